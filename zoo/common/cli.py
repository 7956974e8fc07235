"""How every zoo command runs: ``run_app(main)`` instead of ``absl.app.run(main)``.

A user error (a bad flag, a missing file or directory, a validation failure: the
``USER_ERRORS`` below) is reported as one line on stderr, ``error: <message>``, with exit
code 2; ``--debug`` prints its traceback first. Any other exception is a bug and keeps its
traceback. Bad flag values that absl itself rejects (``--epochs=abc``, an unknown flag, an
enum value not in the list) are user errors too. ``--help`` lists the flags of the zoo's
modules (e.g. the shared ones of ``zoo/common/flags.py``), not just those of the script.
"""

import re
import sys
import traceback

from absl import app, flags

FLAGS = flags.FLAGS

EXIT_USER_ERROR = 2

# keras_gans.data.DatasetNotFoundError subclasses FileNotFoundError and
# keras_gans.data.ImageFolderError subclasses ValueError, so both are user errors without
# importing keras_gans (and TensorFlow) here.
USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, PermissionError, app.UsageError)

flags.DEFINE_boolean("debug", False, "show the traceback of user errors")


def is_user_error(error, extra=()):
    return isinstance(error, USER_ERRORS + tuple(extra))


def one_line(error):
    """``error``'s message on one line (its class name when the message is empty)."""
    message = re.sub(r"\s*\n\s*", " ", str(error)).strip()
    return message or type(error).__name__


def report_user_error(error, debug=False):
    """Prints ``error: <message>`` (after the traceback when ``debug``); returns the exit code."""
    if debug:
        traceback.print_exception(type(error), error, error.__traceback__)
    sys.stderr.write(f"error: {one_line(error)}\n")
    sys.stderr.flush()
    return EXIT_USER_ERROR


def main_with_errors(main_fn, user_errors=()):
    """``main_fn`` that reports ``USER_ERRORS`` (and ``user_errors``) as one line, exit code 2."""
    errors = USER_ERRORS + tuple(user_errors)

    def main(argv):
        try:
            return main_fn(argv)
        except errors as error:
            return report_user_error(error, debug=FLAGS["debug"].value)

    return main


def parse_flags(argv):
    """absl's flag parsing with a rejected flag as a one-line user error."""
    try:
        return FLAGS(argv)
    except flags.Error as error:
        debug = any(a in ("--debug", "--debug=true", "--debug=True", "--debug=1") for a in argv[1:])
        sys.exit(report_user_error(error, debug=debug))


def adopt_zoo_flags(main_module=None):
    """Makes every flag a ``zoo.*`` module defines a key flag of the main module, so that
    ``--help`` lists it. absl's ``--help`` shows the key flags of ``sys.argv[0]`` only: under
    ``python -m zoo.dcgan.train`` that is the path of zoo/dcgan/train.py, the name absl gives
    the ``__main__`` module, so flags defined in zoo/common/flags.py (and ``--debug``) would
    need ``--helpfull``."""
    main_module = main_module or sys.argv[0]
    for module, module_flags in FLAGS.flags_by_module_dict().items():
        if module == "zoo" or module.startswith("zoo."):
            for flag in module_flags:
                FLAGS.register_key_flag_for_module(main_module, flag)


def quiet_library_logs(argv):
    """absl's and TensorFlow's Python logs at WARNING unless ``--debug`` or an explicit
    ``--verbosity``: TF's SavedModel code logs INFO lines through absl ("Sharding callback
    duration", "Writing fingerprint to") at every export."""
    import logging

    from absl import logging as absl_logging

    if not FLAGS["debug"].value and not FLAGS["verbosity"].present:
        absl_logging.set_verbosity(absl_logging.WARNING)
        logging.getLogger("tensorflow").setLevel(logging.WARNING)
    return argv


def run_app(main, user_errors=()):
    """``absl.app.run(main)`` with the zoo's error reporting, ``--help`` and quiet logs."""
    adopt_zoo_flags()
    wrapped = main_with_errors(main, user_errors)
    app.run(lambda argv: wrapped(quiet_library_logs(argv)), flags_parser=parse_flags)
