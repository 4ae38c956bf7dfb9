"""The parity gate: every artifact, in its own runtime, against Keras."""

import numpy as np

PARITY_BATCH_SIZES = (1, 7)
PARITY_SEED = 0


def parity_inputs(entries, num_classes=None, batch_sizes=PARITY_BATCH_SIZES):
    """Fixed inputs for each batch size: prior latents (seeded
    `PARITY_SEED + batch size`) and labels cycling through the classes.

    Returns:
        `{batch size: [array per manifest input entry]}`.
    """
    from keras_vae_export.decode_model import example_inputs

    batches = {}
    for n in batch_sizes:
        arrays = example_inputs(entries, n, PARITY_SEED + n, num_classes)
        batches[n] = arrays if isinstance(arrays, list) else [arrays]
    return batches


def compare_outputs(runner, names, inputs, references, spec, roles):
    """Runs `runner` on each batch and measures its errors.

    Args:
        runner: a runner from `keras_vae_sampler.runtimes`.
        names: the artifact's input names, in manifest order.
        inputs: `{batch size: [arrays]}` from `parity_inputs`.
        references: `{batch size: [Keras outputs]}`, same order as `roles`.
        spec: the `ExportFormat`, whose `max_error` and `mean_error` bound
            the float image's errors (scaled by `max(1, max |reference|)`);
            the uint8 image may differ by one grey level more than
            `max_error * 255`.
        roles: output roles in order, such as `["image", "image_uint8"]`.

    Returns:
        A dict with the largest and mean errors per output and batch size,
        the bounds, and `passed`.
    """
    max_errors, mean_errors, passed = {}, {}, True
    for n, arrays in inputs.items():
        outputs = runner.run(dict(zip(names, arrays)))
        for role, output, reference in zip(roles, outputs, references[n]):
            key = f"{role}@{n}"
            output = np.asarray(output)
            if output.shape != reference.shape:
                max_errors[key] = mean_errors[key] = None
                passed = False
                continue
            error = np.abs(output.astype("float64") - reference)
            max_errors[key] = float(error.max())
            mean_errors[key] = float(error.mean())
            if role == "image_uint8":
                passed &= max_errors[key] <= 1 + np.ceil(spec.max_error * 255)
                continue
            scale = max(1.0, float(np.max(np.abs(reference))))
            passed &= max_errors[key] <= spec.max_error * scale
            if spec.mean_error is not None:
                passed &= mean_errors[key] <= spec.mean_error * scale
    return {
        "max_abs_error": max_errors,
        "mean_abs_error": mean_errors,
        "max_error_bound": spec.max_error,
        "mean_error_bound": spec.mean_error,
        "passed": bool(passed),
    }
