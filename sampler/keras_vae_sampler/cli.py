"""The `keras-vae-sampler` command line: `sample`, `serve` and `web`, without
TensorFlow.

`keras-vae` (the full package) offers the same three commands, from the
same definitions here (`add_device_parsers`), beside `train`, `evaluate`
and `export`. The argument converters (`positive_int`, `at_most`, ...) are
shared with it too: each is `argument_type` over a check of
`keras_vae_sampler.checks`, so an option and the Python argument it fills
follow one rule.
"""

import argparse
import errno
import os
import signal
import sys
import threading
from pathlib import Path

from keras_vae_sampler.checks import check_at_most
from keras_vae_sampler.checks import check_non_negative_int
from keras_vae_sampler.checks import check_port
from keras_vae_sampler.checks import check_positive_int
from keras_vae_sampler.checks import check_threads
from keras_vae_sampler.formats import DEFAULT_RUNTIME
from keras_vae_sampler.formats import RUNTIMES
from keras_vae_sampler.manifest import LATENT_SAMPLERS
from keras_vae_sampler.presets import PRESETS


def argument_type(check, parse=int):
    """An argparse `type=` that applies a check of `checks` (or of
    `keras_vae.input_checks`) to an option's text.

    The text is converted with `parse` (text it refuses is checked as it
    is, so it gets the same rule), then `check("value", value)` decides;
    its message becomes the option's error, with the text received:
    `argument --epochs: must be a positive integer. Received: '0'`.

    Args:
        check: a function `(name, value)` that returns the value or raises
            a `ValueError` ending with `Received: ...`.
        parse: the text's type, `int` or `float`. Defaults to `int`.

    Returns:
        The converter, a function of the text.
    """

    def convert(text):
        try:
            value = parse(text)
        except ValueError:
            value = text
        try:
            return check("value", value)
        except ValueError as error:
            raise refused(error, text, "value") from None

    return convert


def refused(error, text, name=None):
    """The argparse error for option text a check refused: the check's
    message up to `Received:` (less the leading `name`), then the text."""
    rule = str(error).rpartition(". Received:")[0]
    if name is not None:
        rule = rule.removeprefix(f"{name} ")
    return argparse.ArgumentTypeError(f"{rule}. Received: {text!r}")


positive_int = argument_type(check_positive_int)
non_negative_int = argument_type(check_non_negative_int)
port = argument_type(check_port)


def at_most(limit_name):
    """A positive-int converter bounded by `LIMITS[limit_name]`."""
    return argument_type(lambda name, value: check_at_most(name, value, limit_name))


def add_export_arguments(parser):
    """The export to read: a folder, or `--preset NAME` (or a preset
    folder)."""
    parser.add_argument(
        "export_dir",
        nargs="?",
        default=None,
        help="folder written by keras-vae export (or give --preset)",
    )
    parser.add_argument(
        "--preset",
        default=None,
        help=f"a preset's export instead: one of {', '.join(PRESETS)}, or a "
        "folder written by save_to_preset",
    )


def export_dir(args):
    """The export folder that `args` name: `export_dir`, or the checked
    `exported/` folder of `--preset`; exactly one of the two."""
    if (args.export_dir is None) == (args.preset is None):
        raise ValueError(
            "Give an export folder or --preset, not both or neither. Received: "
            f"export_dir={args.export_dir!r}, preset={args.preset!r}"
        )
    if args.preset is None:
        return args.export_dir
    from keras_vae_sampler.presets import preset_export_dir

    return preset_export_dir(args.preset)


def add_device_parsers(subparsers):
    """Adds `sample`, `serve` and `web` to an argparse subparsers object."""
    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = subparsers.add_parser(
        "sample",
        help="sample images from an exported decoder, without TensorFlow",
        description=(
            "Run the export's sampling graph on uniform noise from --seed (the "
            "fitted Gaussian mixture, or the prior, is inside the graph), or "
            "with --latent prior decode N(0, I) latents drawn with numpy, in "
            "one exported format's runtime; save a grid of images as PNG."
        ),
        formatter_class=formatter,
    )
    add_export_arguments(parser)
    parser.add_argument("--runtime", choices=RUNTIMES, default=DEFAULT_RUNTIME)
    parser.add_argument(
        "--format",
        default=None,
        help="artifact to use, e.g. tflite-int8 (default: the float32 one)",
    )
    parser.add_argument("-n", type=at_most("sample_count"), default=64, help="images")
    parser.add_argument(
        "--label",
        type=non_negative_int,
        default=None,
        help="class to draw, for a conditional export (default: every class in turn)",
    )
    parser.add_argument(
        "--latent",
        choices=LATENT_SAMPLERS,
        default=None,
        help="force N(0, I) or the export's Gaussian mixture (default: the "
        "sampling graph's own, the mixture when one was fitted)",
    )
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument(
        "--threads",
        type=argument_type(check_threads),
        default=None,
        help="CPU threads of the runtime, at most the number of CPUs "
        "(default: the runtime's choice)",
    )
    parser.add_argument("--out", default="samples.png", help="PNG to write")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out file (never a model, export or preset file)",
    )
    parser.set_defaults(command=sample_command)

    parser = subparsers.add_parser(
        "serve",
        help="serve the browser page of an export (WebAssembly)",
        description=(
            "Serve a page that samples from an export in the browser "
            "(onnxruntime-web or LiteRT.js). Only the page's files and the "
            "files the manifest lists are served; GET and HEAD only."
        ),
        formatter_class=formatter,
    )
    add_export_arguments(parser)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (the default is this machine only)",
    )
    parser.add_argument("--port", type=port, default=8000)
    parser.set_defaults(command=serve_command)

    parser = subparsers.add_parser(
        "web",
        help="write the browser page of an export as a static folder",
        description=(
            "Write a self-contained static folder (page, runtimes, manifest, "
            "the files the page runs) to host on any static server."
        ),
        formatter_class=formatter,
    )
    add_export_arguments(parser)
    parser.add_argument("site_dir", help="folder to create")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing site folder"
    )
    parser.set_defaults(command=web_command)


def sample_command(args):
    """Runs `sample`; returns the path of the PNG."""
    from keras_vae_sampler.output_folders import check_output_path
    from keras_vae_sampler.png import write_grid_png
    from keras_vae_sampler.sampler import Sampler

    out = Path(args.out)
    source = export_dir(args)
    check_output_path(out, "--out", args.overwrite, inputs={"export_dir": source})
    sampler = Sampler(
        source,
        runtime=args.runtime,
        format=args.format,
        num_threads=args.threads,
    )
    labels = args.label
    if labels is None and sampler.num_classes is not None:
        labels = [i % sampler.num_classes for i in range(args.n)]
    images = sampler.sample(args.n, seed=args.seed, labels=labels, latent=args.latent)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_grid_png(out, images, columns=8)
    print(f"{args.n} samples from {sampler.format} written to {out}")
    return out


def serve_command(args):
    """Runs `serve` until interrupted."""
    from keras_vae_sampler.web_server import serve

    serve(export_dir(args), host=args.host, port=args.port)


def web_command(args):
    """Runs `web`; returns the files written."""
    from keras_vae_sampler.web_site import write_site

    source = export_dir(args)
    files = write_site(source, args.site_dir, overwrite=args.overwrite)
    print(f"Wrote the page of {source} to {args.site_dir}: {len(files)} files")
    return files


def _export_needs_the_full_package(args):
    raise ImportError(
        "Exporting needs TensorFlow, which this device package leaves out; "
        "install the full package (`pip install 'keras-vae[export]'`) and run "
        "`keras-vae export`. Received: command='export'"
    )


def command_parser(prog, description):
    """A command line's parser with `--debug` and its commands' subparsers
    (each command sets `command`; `run` calls it).

    Returns:
        A tuple `(parser, subparsers)`.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_debug_option(parser)
    subparsers = parser.add_subparsers(dest="command_name", required=True)
    return parser, subparsers


def build_parser():
    """Returns the `keras-vae-sampler` argument parser."""
    parser, subparsers = command_parser(
        "keras-vae-sampler", "Sample from a keras-vae export without TensorFlow."
    )
    add_device_parsers(subparsers)
    export = subparsers.add_parser(
        "export", help="not here: exporting needs the full keras-vae package"
    )
    export.add_argument("arguments", nargs=argparse.REMAINDER)
    export.set_defaults(command=_export_needs_the_full_package)
    return parser


DEBUG_VARIABLE = "KERAS_VAE_DEBUG"
# What to do about an operating-system error, by errno.
OS_ADVICE = {
    errno.ENOSPC: "free some space and run it again",
    errno.EDQUOT: "free some space and run it again",
    errno.EACCES: "choose a path you may write to",
    errno.EPERM: "choose a path you may write to",
    errno.EROFS: "choose a path on a writable file system",
    errno.ELOOP: "remove the symbolic link loop",
    errno.EADDRINUSE: "choose another --port",
}


def _terminated(signum, frame):
    # SIGTERM unwinds like an exception, so every staging folder and
    # temporary file is removed on the way out (finally blocks run).
    raise SystemExit(128 + signum)


def _failure(error):
    """The one line for an error a command did not expect (exit status 1)."""
    hint = "--debug shows the traceback"
    if isinstance(error, OSError) and error.errno is not None:
        advice = OS_ADVICE.get(error.errno, "see the reason")
        reason = error.strerror or os.strerror(error.errno)
        where = f": {error.filename!r}" if error.filename else ""
        received = (
            f"path={error.filename!r}"
            if error.filename
            else f"errno={errno.errorcode.get(error.errno, error.errno)}"
        )
        return (
            f"{reason}{where} ({advice}; outputs are written whole or not at "
            f"all; {hint}). Received: {received}"
        )
    if isinstance(error, MemoryError):
        return (
            f"out of memory (ask for less: a smaller --batch-size or -n; {hint}). "
            "Received: MemoryError"
        )
    text = " | ".join(line for line in str(error).splitlines() if line.strip())
    return f"{text[:1000]} ({hint}). Received: {type(error).__name__}"


def _interrupt_recorder(interrupted):
    """A SIGINT handler that records the signal, then interrupts as Python's
    own does."""

    def handler(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    return handler


def _interrupted(prog, args):
    print(
        f"{prog} {args.command_name}: interrupted (Ctrl-C); outputs are "
        "written whole or not at all, and a killed train resumes from its "
        "checkpoints when run again",
        file=sys.stderr,
    )
    return 130


def run(parser, argv, prog):
    """Parses `argv` and runs its command.

    A `ValueError` or `ImportError` (a bad input, a missing package) is one
    line on stderr and exit status 2; any other error (a full disk, no
    permission, out of memory, a runtime's own error) is one line and exit
    status 1. `--debug` (or `KERAS_VAE_DEBUG=1`) shows the traceback
    instead. SIGTERM ends the command like an error, cleaning up first;
    Ctrl-C too, with one line and exit status 130 (no traceback).
    """
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")
    interrupted = []
    previous = None
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
        previous = signal.signal(signal.SIGINT, _interrupt_recorder(interrupted))
    try:
        args.command(args)
    except (ValueError, ImportError) as error:
        if debug:
            raise
        if interrupted:
            return _interrupted(prog, args)
        print(f"{prog} {args.command_name}: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        if debug:
            raise
        # TensorFlow's C++ layer turns a Ctrl-C that lands inside it into a
        # RuntimeError: the recorded signal says what it was.
        if interrupted:
            return _interrupted(prog, args)
        print(f"{prog} {args.command_name}: error: {_failure(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if debug:
            raise
        return _interrupted(prog, args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return 0


def add_debug_option(parser):
    """The `--debug` option every command line of the project has."""
    parser.add_argument(
        "--debug",
        action="store_true",
        help=f"show the traceback of an error (also: {DEBUG_VARIABLE}=1)",
    )


def main(argv=None):
    """Entry point of the `keras-vae-sampler` command. Returns the exit
    status."""
    return run(build_parser(), argv, "keras-vae-sampler")


if __name__ == "__main__":
    sys.exit(main())
