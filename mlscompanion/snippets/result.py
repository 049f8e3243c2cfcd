"""What a snippet check finds, as plain dataclasses (``dataclasses.asdict`` gives the JSON).

Example:

>>> result = mlscompanion.snippets.check("forum_answer.py")
>>> result.status, result.exit_code
('not reproducible', 1)
>>> [finding.code for finding in result.findings]
['TF_SEED_ONLY']
"""

from dataclasses import dataclass, field

__all__ = ["Finding", "ModelPrint", "Run", "LineDiff", "ModelDiff", "SnippetResult"]

REPRODUCIBLE = "reproducible"
NOT_REPRODUCIBLE = "not reproducible"
FAILED = "failed"
SINGLE_RUN = "single run"

EXIT_CODES = {REPRODUCIBLE: 0, SINGLE_RUN: 0, NOT_REPRODUCIBLE: 1, FAILED: 2}


@dataclass
class Finding:
    """One cause of irreproducibility, in plain words, with the fix.

    ``origin`` is ``"static"`` (seen in the code), ``"run time"`` (seen while
    the snippet ran) or ``"static + run time"``; ``line`` is the snippet line
    the static audit points at (``None`` for run-time-only findings).

    Example (``check`` makes them; ``result.findings`` lists them):

    >>> finding = mlscompanion.snippets.Finding(
    ...     code="TF_SEED_ONLY", title="only tf.random.set_seed",
    ...     explanation="Keras 3 initializers do not read the TensorFlow seed.",
    ...     fix="mlscompanion.set_seed(1234)", line=3)
    >>> finding.code, finding.line, finding.origin
    ('TF_SEED_ONLY', 3, 'static')
    """

    code: str
    title: str
    explanation: str
    fix: str
    line: int | None = None
    origin: str = "static"
    detail: str = ""


@dataclass
class ModelPrint:
    """The fingerprint of one Keras model the snippet created (creation order).

    Example (``result.models`` lists them):

    >>> m = mlscompanion.snippets.ModelPrint(index=0, name="sequential", cls="Sequential",
    ...                                      params=9, fingerprint="3db2fc5ce35ac75b")
    >>> m.name, m.params, m.rounded
    ('sequential', 9, None)
    """

    index: int
    name: str
    cls: str
    params: int
    fingerprint: str
    rounded: str | None = None


@dataclass
class Run:
    """One fresh-process run of the snippet.

    ``sandbox`` is the level it ran at (``"bwrap"`` or ``"none"``),
    ``left_behind`` how many processes it left running (all killed),
    ``dropped`` the bytes of output beyond the cap, per stream, and
    ``reprex`` the code with its output as ``#>`` lines (``render`` only).

    Example (``result.runs`` lists them):

    >>> run = mlscompanion.snippets.Run(index=1, returncode=0, seconds=0.5, stdout="2",
    ...                                 stderr="", sandbox="none")
    >>> run.ok, run.incidents
    (True, [])
    """

    index: int
    returncode: int | None
    seconds: float
    stdout: str
    stderr: str
    timed_out: bool = False
    error: str | None = None
    models: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    environment: dict = field(default_factory=dict)
    environment_text: str = ""
    sandbox: str = ""
    left_behind: int = 0
    dropped: dict = field(default_factory=dict)
    reprex: str | None = None

    @property
    def incidents(self):
        """What the sandbox had to do in this run, in words (empty when nothing).

        A time-out is not repeated here: ``error`` says it.
        """
        notes = []
        if self.left_behind:
            notes.append(f"{self.left_behind} process(es) left running after the snippet "
                         "ended, all killed")
        for stream, count in sorted(self.dropped.items()):
            notes.append(f"{stream} cut at the cap, {count / 1e6:.1f} MB dropped")
        return notes

    @property
    def ok(self):
        return self.returncode == 0 and not self.timed_out and self.error is None


@dataclass
class LineDiff:
    """A stdout line that differs between run 1 and run ``run`` (1-based lines).

    Example (``result.line_diffs`` lists them):

    >>> d = mlscompanion.snippets.LineDiff(run=2, line=1, first="0.41", other="0.59")
    >>> d.first != d.other
    True
    """

    run: int
    line: int
    first: str | None
    other: str | None


@dataclass
class ModelDiff:
    """A model whose fingerprint is not the same in every run.

    Example (``result.model_diffs`` lists them):

    >>> d = mlscompanion.snippets.ModelDiff(index=0, name="sequential",
    ...                                     fingerprints=["3db2fc5ce35ac75b", "e55c4ceec5aaac4f"])
    >>> len(set(d.fingerprints)) > 1
    True
    """

    index: int
    name: str
    fingerprints: list
    rounded_equal: bool | None = None


@dataclass
class SnippetResult:
    """Everything ``check`` measured, and the verdict.

    ``status`` is one of ``"reproducible"``, ``"not reproducible"``,
    ``"failed"`` and ``"single run"``; ``exit_code`` is what the command
    returns (0, 1, 2). ``within_decimals`` is set when ``decimals`` was given;
    ``sandbox_fallback`` when ``sandbox="auto"`` found no bubblewrap and ran
    the snippet unsandboxed (``"none"``).

    Example:

    >>> result = mlscompanion.snippets.check("import random; print(random.random())")
    >>> result.status, result.exit_code, len(result.runs)
    ('not reproducible', 1, 2)
    >>> d = result.line_diffs[0]             # a LineDiff
    >>> d.run, d.line
    (2, 1)
    """

    file: str
    status: str
    exit_code: int
    message: str
    runs: list = field(default_factory=list)
    seed: int | None = None
    decimals: int | None = None
    timeout: float | None = None
    findings: list = field(default_factory=list)
    line_diffs: list = field(default_factory=list)
    omitted_line_diffs: int = 0
    model_diffs: list = field(default_factory=list)
    within_decimals: bool | None = None
    error: str | None = None
    environment: dict = field(default_factory=dict)
    environment_text: str = ""
    sandbox: str = ""
    sandbox_note: str = ""
    sandbox_fallback: bool = False

    @property
    def reproducible(self):
        return self.status == REPRODUCIBLE

    @property
    def models(self):
        """The models of the first run that recorded any (each a ``ModelPrint``)."""
        for run in self.runs:
            if run.models:
                return run.models
        return []
