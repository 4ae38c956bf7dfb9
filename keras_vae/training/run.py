"""One training run as `keras-vae train` does it: data, model, checkpoints,
outputs.

A run writes nothing to its output folder until training has finished or is
checkpointed. While it trains, `<output_dir>/checkpoints/` holds a Keras
`BackupAndRestore` backup (every epoch, with the previous one kept), the
history so far, and `last_good.keras`, the model after the last epoch whose
metrics were all finite. Run the same command again after a crash and
training continues from the last backup and ends after the same number of
epochs. When training ends, the model, history, metrics and pictures are
written atomically and the checkpoints are removed. If the loss becomes NaN
or Inf, training stops with an error naming the epoch and step, and
`last_good.keras` stays.
"""

import csv
import dataclasses
import io
import json
import shutil
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_vae import plotting
from keras_vae.likelihoods import BernoulliLikelihood
from keras_vae.models.builders import build_encoder_decoder
from keras_vae.models.conditional_vae import ConditionalVAE
from keras_vae.models.vae import VAE
from keras_vae.training import run_folder
from keras_vae.training.callbacks import KLWarmup
from keras_vae.training.callbacks import RecordEpochTime
from keras_vae.training.callbacks import SaveLastGoodModel
from keras_vae.training.callbacks import StopOnNonFiniteLoss
from keras_vae.training.config import data_source
from keras_vae.training.encoder_source import check_encoder_source
from keras_vae.training.encoder_source import frozen_encoder
from keras_vae.training.encoder_source import load_encoder_source
from keras_vae.training.run_data import load_run_data
from keras_vae_sampler.file_io import atomic_path
from keras_vae_sampler.file_io import write_text_atomic


class TrainingDiverged(ValueError):
    """The loss became NaN or Inf."""


def check_output_dir(path, option="--output-dir"):
    """Raises a `ValueError` unless `path` can become a writable folder."""
    if not str(path).strip():
        raise ValueError(
            "The output folder must be named; give a folder such as runs/vae. "
            f"Received: {option}={str(path)!r}"
        )
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(
            f"The output folder is an existing file. Received: {option}={str(path)!r}"
        )
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(
            f"The output folder cannot be created: {str(existing)!r} is a file. "
            f"Received: {option}={str(path)!r}"
        )
    try:
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as error:
        raise ValueError(
            f"The output folder is not writable ({error.strerror}). "
            f"Received: {option}={str(path)!r}"
        ) from None
    return path


def _objective_arguments(config):
    """The VAE arguments of `--objective` (none for the ELBO)."""
    if config.objective == "elbo":
        return {}
    return {
        "objective": config.objective,
        "importance_samples": config.importance_samples,
        "dreg": config.dreg,
    }


def _build_vae(config, example_shape, num_classes, class_names, encoder_source):
    likelihood = (
        BernoulliLikelihood(binarize=config.binarize, seed=config.seed)
        if config.likelihood == "bernoulli"
        else config.likelihood
    )
    encoder, decoder = build_encoder_decoder(
        config.architecture, example_shape, config.latent_dim, num_classes=num_classes
    )
    if encoder_source is not None:
        check_encoder_source(
            encoder_source,
            example_shape,
            config.latent_dim,
            num_classes,
            config.encoder_from,
        )
        encoder = frozen_encoder(encoder_source)
    named = {"class_names": class_names} if num_classes and class_names else {}
    model_class = ConditionalVAE if num_classes else VAE
    vae = model_class(
        encoder,
        decoder,
        likelihood=likelihood,
        beta=config.beta,
        seed=config.seed,
        **named,
        **_objective_arguments(config),
    )
    vae.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
    return vae


def _read_history(path):
    """Rows of a CSVLogger file, one per epoch (a resumed epoch's last)."""
    if not path.exists():
        return [], []
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_epoch = {int(row["epoch"]): row for row in rows}
    fields = list(rows[0]) if rows else []
    return fields, [by_epoch[e] for e in sorted(by_epoch)]


def _history_csv(fields, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def run_training(config, verbose="auto"):
    """Trains a VAE as `keras-vae train` does and writes its outputs.

    Args:
        config: a `TrainingConfig`.
        verbose: `fit`'s verbosity. Defaults to `"auto"`: a progress bar on
            a terminal, one line per epoch otherwise (a log file).

    Returns:
        A dict with the paths written and the summary metrics.
    """
    output_dir = check_output_dir(config.output_dir)
    if config.binarize and config.likelihood != "bernoulli":
        raise ValueError(
            "--binarize needs the Bernoulli likelihood. Received: "
            f"--likelihood={config.likelihood}"
        )
    run_folder.check_run_inputs(output_dir, config)
    run_folder.check_finished_run(output_dir, config)
    with run_folder.locked_run_folder(output_dir, config):
        # Checked again under the lock: a run may have finished meanwhile.
        exports = run_folder.check_finished_run(output_dir, config)
        return _train(config, output_dir, exports, verbose)


def _train(config, output_dir, exports, verbose):
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        # Bit-identical reruns; TensorFlow then turns XLA off.
        tf.config.experimental.enable_op_determinism()
    encoder_source = None
    if config.encoder_from is not None:
        encoder_source = load_encoder_source(config.encoder_from)
    source = data_source(config)
    train, test, num_classes, class_names = load_run_data(config, source)
    image_spec = train.element_spec[0] if num_classes else train.element_spec
    example_shape = tuple(image_spec.shape[1:])
    vae = _build_vae(config, example_shape, num_classes, class_names, encoder_source)

    checkpoints = output_dir / "checkpoints"
    backup_dir = checkpoints / "backup"
    history_path = checkpoints / "history.csv"
    resuming = (backup_dir / "training_metadata.json").exists()
    if resuming:
        run_folder.check_resume(checkpoints, config)
    elif history_path.exists():
        history_path.unlink()  # left by a run that never checkpointed
    stop = StopOnNonFiniteLoss()
    last_good = SaveLastGoodModel(checkpoints / "last_good.keras")
    callbacks = [stop, RecordEpochTime()]
    if config.warmup_epochs:
        callbacks.append(KLWarmup(epochs=config.warmup_epochs))
    callbacks += [
        last_good,
        keras.callbacks.CSVLogger(str(history_path), append=True),
        keras.callbacks.BackupAndRestore(
            str(backup_dir), save_freq="epoch", double_checkpoint=True
        ),
    ]
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    checkpoints.mkdir(parents=True, exist_ok=True)
    run_folder.write_resume_record(checkpoints, config)
    print(
        f"{'Resuming' if resuming else 'Training'} a {config.architecture} "
        f"{'conditional VAE' if num_classes else 'VAE'} "
        f"(latent_dim={config.latent_dim}, {config.likelihood}, "
        f"beta={config.beta}) on {config.dataset} {example_shape} for "
        f"{config.epochs} epochs; checkpoints in {checkpoints}."
    )
    vae.fit(
        train,
        epochs=config.epochs,
        validation_data=test,
        callbacks=callbacks,
        verbose=verbose,
    )
    if stop.diverged_at:
        epoch, step = stop.diverged_at
        kept = (
            f"the last good model (after epoch {last_good.saved_epoch}) is "
            f"{last_good.path}"
            if last_good.saved_epoch
            else "no epoch finished with finite metrics, so no model was kept"
        )
        raise TrainingDiverged(
            f"Training diverged: the loss became NaN or Inf in epoch {epoch}, "
            f"by step {step}; {kept}. Try a lower --learning-rate. Received: "
            f"--learning-rate={config.learning_rate}"
        )
    fields, rows = _read_history(history_path)
    if config.latent_sampler == "gmm":
        vae.fit_latent_sampler(
            train, num_components=config.gmm_components, seed=config.seed
        )
    summary = _write_outputs(vae, test, output_dir, fields, rows, config, source)
    run_folder.remove_stale(output_dir, set(summary["paths"].values()), exports)
    shutil.rmtree(checkpoints, ignore_errors=True)
    return summary


def _write_outputs(vae, test, output_dir, fields, rows, config, source):
    test_metrics = vae.evaluate(test, verbose=0, return_dict=True)
    first = next(iter(test))
    if vae.num_classes:
        test_images, test_labels = first[0][:16].numpy(), first[1][:16].numpy()
        sample_labels = np.arange(6 * vae.num_classes) % vae.num_classes
    else:
        test_images, test_labels, sample_labels = first[:16].numpy(), None, None
    paths = {
        "model": output_dir / "model.keras",
        "history": output_dir / "history.csv",
        "metrics": output_dir / "metrics.json",
        "reconstructions": output_dir / "reconstructions.png",
        "samples": output_dir / "samples.png",
    }
    with atomic_path(paths["model"]) as tmp:
        vae.save(tmp)
    write_text_atomic(paths["history"], _history_csv(fields, rows))
    summary = {
        # An IWAE-objective model reports its k-sample bound as `loss`.
        "test_negative_elbo": float(
            test_metrics.get("negative_elbo", test_metrics["loss"])
        ),
        **(
            {"test_negative_iwae_bound": float(test_metrics["loss"])}
            if "negative_elbo" in test_metrics
            else {}
        ),
        "test_reconstruction_loss": float(test_metrics["reconstruction_loss"]),
        "test_kl_loss": float(test_metrics["kl_loss"]),
        "evaluated_on": (
            f"validation: {source.validation_split:g} of the training data"
            if source.validation_split
            else "test split"
        ),
        "epochs": len(rows),
        "seconds_per_epoch": sum(float(r["epoch_seconds"]) for r in rows)
        / max(1, len(rows)),
        "arguments": dataclasses.asdict(config),
    }
    write_text_atomic(paths["metrics"], json.dumps(summary, indent=2) + "\n")
    plotting.save_figure(
        plotting.plot_reconstructions(
            test_images, vae.reconstruct(test_images, labels=test_labels)
        ),
        paths["reconstructions"],
    )
    count = 64 if sample_labels is None else len(sample_labels)
    columns = 8 if sample_labels is None else vae.num_classes
    for latent in ("prior", "gmm") if vae.latent_sampler is not None else ("prior",):
        name = "samples" if latent == "prior" else "samples_gmm"
        paths[name] = output_dir / f"{name}.png"
        images = vae.sample(
            count, seed=config.seed, labels=sample_labels, latent=latent
        )
        plotting.save_figure(
            plotting.plot_image_grid(images, columns=columns), paths[name]
        )
    summary["paths"] = paths
    return summary
