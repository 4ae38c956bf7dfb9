"""Encoder and decoder builders: MLP and convolutional, any input shape.

Encoders end in two dense layers named `z_mean` and `z_log_var` (or one named
`z` with `variational=False`, for the plain autoencoder). Decoders map a
latent vector to the likelihood's parameters (logits or means) with the
input's shape; their last layer computes in float32 so that the outputs stay
float32 under mixed precision.
"""

import math

import keras

from keras_vae.input_checks import check_shape
from keras_vae.layers.conditioning import OneHotLabel
from keras_vae.models.architectures import ARCHITECTURE_TABLE
from keras_vae.models.architectures import ARCHITECTURES
from keras_vae_sampler.checks import check_choice
from keras_vae_sampler.checks import check_positive_int


def _check_units(name, units):
    units = tuple(units)
    for unit in units:
        check_positive_int(name, unit)
    return units


def _label_input(num_classes):
    """`(label input, one-hot tensor)` of a conditional network, or
    `(None, None)`."""
    if num_classes is None:
        return None, None
    label = keras.Input(shape=(), dtype="int32", name="label")
    return label, OneHotLabel(num_classes, name="one_hot_label")(label)


def _inputs(first, label):
    return first if label is None else [first, label]


def _latent_heads(x, latent_dim, variational):
    if variational:
        z_mean = keras.layers.Dense(latent_dim, name="z_mean")(x)
        z_log_var = keras.layers.Dense(latent_dim, name="z_log_var")(x)
        return [z_mean, z_log_var]
    return keras.layers.Dense(latent_dim, name="z")(x)


def build_mlp_encoder(
    input_shape,
    latent_dim,
    hidden_units=(512,),
    activation="relu",
    variational=True,
    num_classes=None,
    name="encoder",
):
    """Builds a fully connected encoder for inputs of any shape.

    Args:
        input_shape: tuple of ints. Shape of one example, e.g. `(28, 28, 1)`
            or `(784,)`; it is flattened first.
        latent_dim: int > 0. Size of the latent space.
        hidden_units: tuple of ints. Widths of the hidden layers. Defaults
            to `(512,)`.
        activation: str. Activation of the hidden layers. Defaults to
            `"relu"`.
        variational: bool. Emit `[z_mean, z_log_var]` (VAE) or one output
            `z` (plain autoencoder). Defaults to `True`.
        num_classes: int >= 2 or None. Add a second input, an int32 class
            label, one-hot encoded and joined to the flattened image
            (conditional VAE). Defaults to `None`.
        name: str. Model name. Defaults to `"encoder"`.

    Returns:
        A functional `keras.Model`.

    Example:
    ```python
    encoder = build_mlp_encoder((28, 28, 1), latent_dim=16)
    z_mean, z_log_var = encoder(images)
    ```
    """
    input_shape = check_shape("input_shape", input_shape)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    hidden_units = _check_units("hidden_units", hidden_units)
    inputs = keras.Input(shape=input_shape, name="x")
    label, one_hot = _label_input(num_classes)
    x = keras.layers.Flatten()(inputs)
    if one_hot is not None:
        x = keras.layers.Concatenate()([x, one_hot])
    for units in hidden_units:
        x = keras.layers.Dense(units, activation=activation)(x)
    return keras.Model(
        _inputs(inputs, label), _latent_heads(x, latent_dim, variational), name=name
    )


def build_mlp_decoder(
    latent_dim,
    output_shape,
    hidden_units=(512,),
    activation="relu",
    num_classes=None,
    name="decoder",
):
    """Builds a fully connected decoder to outputs of any shape.

    Args:
        latent_dim: int > 0. Size of the latent space.
        output_shape: tuple of ints. Shape of one example.
        hidden_units: tuple of ints. Widths of the hidden layers. Defaults
            to `(512,)`.
        activation: str. Activation of the hidden layers. Defaults to
            `"relu"`.
        num_classes: int >= 2 or None. Add a second input, an int32 class
            label, one-hot encoded and joined to `z`. Defaults to `None`.
        name: str. Model name. Defaults to `"decoder"`.

    Returns:
        A functional `keras.Model` from `z` (and `label`) to the
        likelihood's parameters.

    Example:
    ```python
    decoder = build_mlp_decoder(16, (28, 28, 1))
    ```
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    output_shape = check_shape("output_shape", output_shape)
    hidden_units = _check_units("hidden_units", hidden_units)
    inputs, x = _latent_input(latent_dim, num_classes)
    for units in hidden_units:
        x = keras.layers.Dense(units, activation=activation)(x)
    x = keras.layers.Dense(math.prod(output_shape), dtype="float32")(x)
    outputs = keras.layers.Reshape(output_shape, dtype="float32", name="params")(x)
    return keras.Model(inputs, outputs, name=name)


def _latent_input(latent_dim, num_classes):
    """A decoder's inputs and the tensor its first layer reads."""
    z = keras.Input(shape=(latent_dim,), name="z")
    label, one_hot = _label_input(num_classes)
    if label is None:
        return z, z
    return [z, label], keras.layers.Concatenate()([z, one_hot])


def _check_image_shape(name, shape):
    shape = check_shape(name, shape)
    if len(shape) != 3:
        raise ValueError(
            f"The convolutional architecture needs images of shape "
            f"(height, width, channels). Received: {name}={shape}"
        )
    return shape


def _downsampled_size(size, num_layers):
    for _ in range(num_layers):
        size = math.ceil(size / 2)
    return size


def build_conv_encoder(
    input_shape,
    latent_dim,
    filters=(32, 64),
    kernel_size=3,
    dense_units=(128,),
    variational=True,
    num_classes=None,
    name="encoder",
):
    """Builds a convolutional encoder for `(height, width, channels)` images.

    Each convolution halves the spatial size (stride 2, `"same"` padding,
    rounding up), so any height and width work, powers of two or not.

    Args:
        input_shape: tuple `(height, width, channels)`.
        latent_dim: int > 0. Size of the latent space.
        filters: tuple of ints. Filters of each strided convolution.
            Defaults to `(32, 64)`.
        kernel_size: int. Convolution kernel size. Defaults to `3`.
        dense_units: tuple of ints. Dense layers after flattening. Defaults
            to `(128,)`.
        variational: bool. Emit `[z_mean, z_log_var]` or one output `z`.
            Defaults to `True`.
        num_classes: int >= 2 or None. Add an int32 label input, one-hot
            encoded and joined to the flattened feature maps. Defaults to
            `None`.
        name: str. Model name. Defaults to `"encoder"`.

    Returns:
        A functional `keras.Model`.

    Example:
    ```python
    encoder = build_conv_encoder((30, 20, 3), latent_dim=8)
    ```
    """
    input_shape = _check_image_shape("input_shape", input_shape)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    filters = _check_units("filters", filters)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    dense_units = _check_units("dense_units", dense_units)
    inputs = keras.Input(shape=input_shape, name="x")
    x = inputs
    for num_filters in filters:
        x = keras.layers.Conv2D(
            num_filters, kernel_size, strides=2, padding="same", activation="relu"
        )(x)
    x = keras.layers.Flatten()(x)
    label, one_hot = _label_input(num_classes)
    if one_hot is not None:
        x = keras.layers.Concatenate()([x, one_hot])
    for units in dense_units:
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(
        _inputs(inputs, label), _latent_heads(x, latent_dim, variational), name=name
    )


def build_conv_decoder(
    latent_dim,
    output_shape,
    filters=(64, 32),
    kernel_size=3,
    num_classes=None,
    name="decoder",
):
    """Builds a convolutional decoder, the mirror of `build_conv_encoder`.

    The latent vector is projected to the encoder's smallest feature map;
    each transposed convolution doubles it; a final crop trims the result to
    `output_shape` exactly when the size is not a power of two.

    Args:
        latent_dim: int > 0. Size of the latent space.
        output_shape: tuple `(height, width, channels)`.
        filters: tuple of ints. Filters of each transposed convolution.
            Defaults to `(64, 32)`.
        kernel_size: int. Kernel size. Defaults to `3`.
        num_classes: int >= 2 or None. Add an int32 label input, one-hot
            encoded and joined to `z`. Defaults to `None`.
        name: str. Model name. Defaults to `"decoder"`.

    Returns:
        A functional `keras.Model` from `z` to the likelihood's parameters.

    Example:
    ```python
    decoder = build_conv_decoder(8, (30, 20, 3))
    ```
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    height, width, channels = _check_image_shape("output_shape", output_shape)
    filters = _check_units("filters", filters)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    small_h = _downsampled_size(height, len(filters))
    small_w = _downsampled_size(width, len(filters))
    inputs, x = _latent_input(latent_dim, num_classes)
    x = keras.layers.Dense(small_h * small_w * filters[0], activation="relu")(x)
    x = keras.layers.Reshape((small_h, small_w, filters[0]))(x)
    for num_filters in filters:
        x = keras.layers.Conv2DTranspose(
            num_filters, kernel_size, strides=2, padding="same", activation="relu"
        )(x)
    extra_h = small_h * 2 ** len(filters) - height
    extra_w = small_w * 2 ** len(filters) - width
    if extra_h or extra_w:
        x = keras.layers.Cropping2D(
            (
                (extra_h // 2, extra_h - extra_h // 2),
                (extra_w // 2, extra_w - extra_w // 2),
            )
        )(x)
    outputs = keras.layers.Conv2D(
        channels, kernel_size, padding="same", dtype="float32", name="params"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def build_encoder_decoder(
    architecture, input_shape, latent_dim, variational=True, num_classes=None
):
    """Builds a matching encoder and decoder with the default layer sizes.

    Args:
        architecture: a name of
            `keras_vae.models.architectures.ARCHITECTURE_TABLE`: `"mlp"`,
            `"conv"` or `"conv-small"`.
        input_shape: tuple of ints. Shape of one example.
        latent_dim: int > 0. Size of the latent space.
        variational: bool. See `build_mlp_encoder`. Defaults to `True`.
        num_classes: int >= 2 or None. Condition both networks on a class
            label (for `ConditionalVAE`). Defaults to `None`.

    Returns:
        A tuple `(encoder, decoder)`.

    Example:
    ```python
    encoder, decoder = build_encoder_decoder("conv", (28, 28, 1), 16)
    vae = keras_vae.VAE(encoder, decoder)
    ```
    """
    check_choice("architecture", architecture, ARCHITECTURES)
    chosen = ARCHITECTURE_TABLE[architecture]
    build_encoder, build_decoder = {
        "mlp": (build_mlp_encoder, build_mlp_decoder),
        "conv": (build_conv_encoder, build_conv_decoder),
    }[chosen.family]
    encoder = build_encoder(
        input_shape,
        latent_dim,
        variational=variational,
        num_classes=num_classes,
        **chosen.encoder_args,
    )
    decoder = build_decoder(
        latent_dim, input_shape, num_classes=num_classes, **chosen.decoder_args
    )
    return encoder, decoder
