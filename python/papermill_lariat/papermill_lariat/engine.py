"""The papermill engine entry point: papermill's default (nbclient) engine
under the name `lariat`. It exists because papermill imports every
`papermill.engine` entry point when it is itself imported, and reads no
translator entry points: loading this module imports the package, which
registers LariatTranslator."""
from papermill.engines import NBClientEngine


class LariatEngine(NBClientEngine):
    """`papermill --engine lariat`: the same as the default engine."""
