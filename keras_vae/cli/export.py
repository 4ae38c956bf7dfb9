"""`keras-vae export`: the one command that imports the conversion
(`keras_vae_export`), when it runs."""

import argparse
from pathlib import Path

from keras_vae_sampler.formats import DEFAULT_BATCH_SIZES
from keras_vae_sampler.formats import FORMATS
from keras_vae_sampler.formats import parse_formats


def add_parser(subparsers):
    """Adds `export` to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "export",
        help="export a trained VAE's decoder to SavedModel, TFLite and ONNX",
        description=(
            "Export only the decoder of a trained VAE for sampling on device: "
            "per format, the decoder (z -> mean image) and the sampling graph "
            "(uniform noise -> image, the fitted latent mixture inside), plus "
            "fixed-batch LiteRT copies for clients that need static shapes. "
            "Every artifact is checked against Keras in its own runtime before "
            "anything is written."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("model", help="the .keras file of a keras_vae.VAE")
    parser.add_argument("output_dir", help="folder to create")
    parser.add_argument(
        "--formats",
        default=",".join(parse_formats(None)),
        help=f"comma-separated formats, of {', '.join(FORMATS)}",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing output folder"
    )
    parser.add_argument("--uint8", action="store_true", help="add a uint8 image output")
    parser.add_argument(
        "--batch-sizes",
        default=",".join(str(b) for b in DEFAULT_BATCH_SIZES),
        help="fixed batch sizes of the extra LiteRT files (LiteRT.js and GPU "
        "delegates refuse dynamic shapes); empty for none",
    )
    parser.set_defaults(command=export_command)


def export_command(args):
    """Runs `keras-vae export`; returns the manifest."""
    from keras_vae.models.model_files import load_model_file
    from keras_vae.models.vae import VAE
    from keras_vae_export.exporter import check_export_arguments
    from keras_vae_export.exporter import export_decoder
    from keras_vae_sampler.output_folders import check_not_overlapping

    # Every argument is checked before the model is loaded.
    check_not_overlapping(args.output_dir, {"model": args.model})
    check_export_arguments(
        args.output_dir, args.formats, args.batch_sizes, args.overwrite
    )
    manifest = export_decoder(
        load_model_file(args.model, VAE),
        args.output_dir,
        formats=args.formats,
        overwrite=args.overwrite,
        uint8_output=args.uint8,
        batch_sizes=args.batch_sizes,
    )
    print(f"Exported the decoder of {args.model} to {args.output_dir}:")
    for name, artifact in manifest["artifacts"].items():
        errors = [
            e
            for key, e in artifact["parity"]["max_abs_error"].items()
            if key.startswith("image@") and e is not None
        ]
        print(
            f"  {name:22s} {artifact['file']:30s} "
            f"{artifact['size_bytes'] / 1e6:7.3f} MB  "
            f"max error {max(errors, default=0.0):.2e}  parity passed"
        )
    print(f"  {'manifest':22s} {Path(args.output_dir) / 'manifest.json'}")
    return manifest
