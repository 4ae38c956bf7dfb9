"""keras-vae: variational autoencoders that train with `model.fit`."""

from keras_vae import data
from keras_vae.autoencoder import Autoencoder
from keras_vae.builders import build_conv_decoder
from keras_vae.builders import build_conv_encoder
from keras_vae.builders import build_encoder_decoder
from keras_vae.builders import build_mlp_decoder
from keras_vae.builders import build_mlp_encoder
from keras_vae.callbacks import KLWarmup
from keras_vae.likelihoods import BernoulliLikelihood
from keras_vae.likelihoods import GaussianLikelihood
from keras_vae.losses import free_bits_kl
from keras_vae.losses import kl_divergence
from keras_vae.sampling import Sampling
from keras_vae.vae import VAE
from keras_vae.version import __version__
