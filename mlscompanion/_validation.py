"""Checks of user-supplied arguments, shared by the package's public pieces.

Every public piece that accepts "groups of units" (or of weight entries),
counts, tolerances, paths or layers validates them here, so the error a
learner sees is the same everywhere: it names the argument, the offending
value and what was expected.
"""

import numbers
import os


def is_int(value):
    """An integer, and not a bool (``True`` is an ``int`` to Python)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def fail(name, value, what, error=ValueError):
    """Raise ``error`` in the package's one message format.

    >>> fail("tol", -1, "a number >= 0")
    ValueError: `tol` must be a number >= 0. Received: tol=-1
    """
    raise error(f"`{name}` must be {what}. Received: {name}={value!r}")


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_number(value, name, above=None, minimum=None, below=None, maximum=None, what=None):
    """Return ``value`` as a float if it is a real number (not a bool) in range, else raise.

    ``above``/``below`` are open bounds, ``minimum``/``maximum`` closed ones;
    ``what`` words the expectation (default: from the bounds).
    """
    ok = _is_real(value) and not (
        (above is not None and not value > above) or (minimum is not None and not value >= minimum)
        or (below is not None and not value < below) or (maximum is not None and not value <= maximum))
    if not ok:
        if what is None:
            bounds = [f"{sign} {bound}" for sign, bound in
                      ((">", above), (">=", minimum), ("<", below), ("<=", maximum))
                      if bound is not None]
            what = " ".join(["a number", " and ".join(bounds)]).strip()
        fail(name, value, what)
    return float(value)


def check_choice(value, name, choices, what=None):
    """Return ``value`` if it is one of ``choices``, else raise ValueError."""
    if value not in choices:
        fail(name, value, what or f"one of {tuple(choices)}")
    return value


def check_int(value, name, minimum=1):
    """Return ``value`` as an int if it is an integer >= ``minimum``, else raise.

    The one integer check of the package: the message names the argument,
    the value and the bound.
    """
    if not is_int(value) or value < minimum:
        fail(name, value, "a positive int" if minimum == 1 else f"an int >= {minimum}")
    return int(value)


def check_steps_per_record(steps, records, steps_name="steps"):
    """Return ``(steps, records)`` as ints if ``records`` divides ``steps``, else raise.

    Every record of a run is then the same number of steps apart.
    """
    steps = check_int(steps, steps_name)
    records = check_int(records, "records")
    if steps % records:
        raise ValueError(
            f"`{steps_name}` ({steps}) must be a multiple of `records` ({records}) so "
            "every record is the same number of steps apart."
        )
    return steps, records


def check_index_groups(groups, name="groups"):
    """Validate a list of groups of unit indices; return them as lists of ints.

    Each group must hold at least two distinct non-negative integers and no
    index may appear in two groups.
    """
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise ValueError(
            f"`{name}` must be a list of groups such as [[0, 1]] "
            f"(each group a list of unit indices). Received: {name}={groups!r}"
        )
    clean = []
    seen = {}
    for group in groups:
        if isinstance(group, (str, bytes)) or not hasattr(group, "__iter__"):
            raise ValueError(
                f"Each group in `{name}` must be a list of unit indices, such "
                f"as [0, 1]. Received the group {group!r} in {name}={groups!r}"
            )
        members = list(group)
        for index in members:
            if not is_int(index) or index < 0:
                raise ValueError(
                    f"Group {members!r} in `{name}` holds {index!r}; expected "
                    "non-negative integer unit indices."
                )
        members = [int(i) for i in members]
        if len(set(members)) < 2:
            raise ValueError(
                f"Group {members!r} in `{name}` ties fewer than 2 distinct "
                "units; a group needs at least two members, e.g. [0, 1]."
            )
        if len(set(members)) != len(members):
            raise ValueError(
                f"Group {members!r} in `{name}` lists a unit twice; list each "
                "unit once."
            )
        for index in members:
            if index in seen:
                raise ValueError(
                    f"Unit {index} is in two groups of `{name}`: "
                    f"{seen[index]!r} and {members!r}. Merge them into one "
                    "group if all of these units should be tied."
                )
            seen[index] = members
        clean.append(members)
    if not clean:
        raise ValueError(
            f"`{name}` is empty; give at least one group, e.g. [[0, 1]]."
        )
    return clean


def check_groups_fit(groups, size, what, shape, name="groups"):
    """Raise if any index in ``groups`` is out of range for ``size``."""
    for group in groups:
        for index in group:
            if index >= size:
                raise ValueError(
                    f"Group {group!r} in `{name}` refers to {what} {index}, but "
                    f"the weight of shape {tuple(shape)} has only {size} "
                    f"{what}s (valid indices 0..{size - 1})."
                )


def check_entry_groups(groups, name="groups"):
    """Validate groups of index tuples (for ``TieEntries``)."""
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise ValueError(
            f"`{name}` must be a list of groups of index tuples, such as "
            f"[[(0, 0), (0, 1)]]. Received: {name}={groups!r}"
        )
    clean = []
    seen = {}
    for group in groups:
        if isinstance(group, (str, bytes)) or not hasattr(group, "__iter__"):
            raise ValueError(
                f"Each group in `{name}` must be a list of index tuples, such "
                f"as [(0, 0), (0, 1)]. Received the group {group!r}."
            )
        members = []
        for entry in group:
            if is_int(entry):
                entry = (entry,)
            if isinstance(entry, (str, bytes)) or not hasattr(entry, "__iter__"):
                raise ValueError(
                    f"Group {list(group)!r} in `{name}` holds {entry!r}; expected "
                    "an index tuple such as (0, 1)."
                )
            entry = tuple(entry)
            if not entry or not all(is_int(i) and i >= 0 for i in entry):
                raise ValueError(
                    f"Group {list(group)!r} in `{name}` holds {entry!r}; expected "
                    "a tuple of non-negative integers such as (0, 1)."
                )
            members.append(tuple(int(i) for i in entry))
        if len(set(members)) < 2:
            raise ValueError(
                f"Group {members!r} in `{name}` ties fewer than 2 distinct "
                "entries; a group needs at least two members."
            )
        if len(set(members)) != len(members):
            raise ValueError(
                f"Group {members!r} in `{name}` lists an entry twice."
            )
        for entry in members:
            if entry in seen:
                raise ValueError(
                    f"Entry {entry} is in two groups of `{name}`: "
                    f"{seen[entry]!r} and {members!r}. Merge them into one group."
                )
            seen[entry] = members
        clean.append(members)
    if not clean:
        raise ValueError(f"`{name}` is empty; give at least one group.")
    return clean


def check_entries_fit(groups, shape, name="groups"):
    shape = tuple(shape)
    for group in groups:
        for entry in group:
            if len(entry) != len(shape):
                raise ValueError(
                    f"Group {group!r} in `{name}` holds the index {entry}, which "
                    f"has {len(entry)} coordinates, but the weight of shape "
                    f"{shape} needs {len(shape)}."
                )
            if any(i >= s for i, s in zip(entry, shape)):
                raise ValueError(
                    f"Group {group!r} in `{name}` holds the index {entry}, "
                    f"which is out of range for the weight of shape {shape}."
                )


def check_every(every):
    """``every`` of the tracker: ``"epoch"`` or a positive int."""
    if every != "epoch" and not (is_int(every) and every >= 1):
        raise ValueError(
            f"`every` must be 'epoch' or a positive int (record every N "
            f"batches). Received: every={every!r}"
        )
    return every


def check_tol(tol):
    """A non-negative real tolerance, as a float."""
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(
            f"`tol` must be a non-negative number. Received: tol={tol!r}"
        )
    return float(tol)


def check_path(value, name, what):
    """None, or a path (str or os.PathLike) as a str; ``what``: "a file path"."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError(
            f"`{name}` must be {what} (str or pathlib.Path) or None. "
            f"Received: {name}={value!r}"
        )
    return os.fspath(value)


def check_layers(layers):
    """None, or a list of layer names or Keras layers (one is made a list)."""
    import keras

    if layers is None:
        return None
    if isinstance(layers, (str, keras.layers.Layer)):
        return [layers]
    if not hasattr(layers, "__iter__"):
        raise ValueError(
            "`layers` must be a layer name, a layer, or a list of them. "
            f"Received: layers={layers!r}"
        )
    layers = list(layers)
    for item in layers:
        if not isinstance(item, (str, keras.layers.Layer)):
            raise ValueError(
                "`layers` must hold layer names (str) or Keras layers. "
                f"Received the item {item!r} in layers={layers!r}"
            )
    return layers
