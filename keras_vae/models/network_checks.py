"""The checks a model's networks must pass when the model is built: each a
functional Keras model, with the inputs and outputs of its family and
matching latent and example shapes."""

import keras


def functional_model(name, model):
    if not isinstance(model, keras.Model) or not getattr(model, "inputs", None):
        raise ValueError(
            f"{name} must be a keras.Model with a known input shape (a "
            "functional or Sequential model built from keras.Input), such as "
            f"keras_vae.build_mlp_{name}(...). Received: {name}={model!r}"
        )
    return model


def _shape_tail(tensor):
    return tuple(tensor.shape[1:])


def shape_tail(tensor):
    """A tensor's shape without the batch axis."""
    return tuple(tensor.shape[1:])


def check_networks(model):
    """Refuses an encoder and decoder that do not fit the model family
    (inputs, outputs, latent and example shapes)."""
    expected = 1 if model.num_classes is None else 2
    for name, network in (("encoder", model.encoder), ("decoder", model.decoder)):
        if len(network.inputs) != expected:
            hint = (
                "one input (for networks that also take a label, use "
                "keras_vae.ConditionalVAE)"
                if expected == 1
                else "two inputs, [x, label] and [z, label] (build them "
                "with num_classes=...)"
            )
            raise ValueError(
                f"{type(model).__name__} needs an encoder and a decoder "
                f"with {hint}. Received: {name} with "
                f"{len(network.inputs)} input(s)"
            )
    outputs = model.encoder.outputs
    if len(outputs) != model.encoder_outputs:
        hint = (
            "[z_mean, z_log_var] (build it with variational=True)"
            if model.encoder_outputs == 2
            else "one latent code z (build it with variational=False)"
        )
        raise ValueError(
            f"{type(model).__name__} needs an encoder that outputs {hint}. "
            f"Received: encoder with {len(outputs)} output(s) named "
            f"{list(getattr(model.encoder, 'output_names', []))}"
        )
    latent_shapes = {shape_tail(t) for t in outputs}
    decoder_input = shape_tail(model.decoder.inputs[0])
    if len(latent_shapes) != 1 or latent_shapes != {decoder_input}:
        raise ValueError(
            "The encoder's latent outputs and the decoder's input must "
            f"have the same shape. Received: encoder outputs "
            f"{sorted(latent_shapes)}, decoder input {decoder_input}"
        )
    decoder_output = shape_tail(model.decoder.outputs[0])
    if decoder_output != model.example_shape:
        raise ValueError(
            "The decoder must output the encoder's input shape. Received: "
            f"encoder input {model.example_shape}, decoder output "
            f"{decoder_output}"
        )
