"""Change the data key: a new key, a new recovery code, re-wrapped slots.

The database is exported under the new key into a side file, then swapped in. While
the swap is under way the key file also holds a *successor* slot: the new key
wrapped under the old one. So whatever unlocked the clinic before (keychain,
passphrase, old recovery code) still unlocks it if the machine dies mid-way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from receptionist.errors import DiskFull, UserError
from receptionist.store import keystore
from receptionist.store.keyfile import KeyFile, read_keyfile, write_keyfile
from receptionist.store.keys import KdfParams, new_data_key, new_recovery_code, wrap
from receptionist.store.lock import InstanceLock, exclusive_use
from receptionist.store.sidecopy import ChangedDuringCopy, require_room, swap_in, write_side_copy
from receptionist.store.storage import is_disk_full, raw_connect
from receptionist.store.vault import DataDir, check_passphrase_strength
from receptionist.texts import QT_TRANSLATE_NOOP, Text

# The secret of a successor slot is a random 256-bit key: no need for a costly KDF.
SUCCESSOR_KDF = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


@dataclass(frozen=True)
class Rekeyed:
    recovery_code: str = field(repr=False)
    in_keychain: bool
    key: bytes = field(repr=False)


def rekey(
    root: Path,
    old_key: bytes,
    *,
    passphrase: str | None = None,
    show_code: Callable[[str], None],
    on_copy: Callable[[], None] | None = None,
) -> Rekeyed:
    """Re-encrypt the clinic under a new key. The desktop app must not be running.

    ``passphrase`` becomes the admin passphrase of the new key; a clinic that has one
    must be given one, so nobody who relied on it is locked out. ``show_code`` is
    called with the new recovery code once the new key is in use and stored, *before*
    the old slots are dropped: if it raises, the clinic stays in the transitional
    state, which the old secrets (through the successor slot) still open.
    ``on_copy`` is told when the copy under the new key (the long part) begins.
    """
    ddir = DataDir(Path(root))
    keyfile = read_keyfile(ddir.keyfile)
    if passphrase is not None:
        check_passphrase_strength(passphrase)
    elif keyfile.slots_of("passphrase"):
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "This clinic has an admin passphrase: give the new one "
                    "(RECEPTIONIST_NEW_PASSPHRASE, or type it when asked) to change the key.",
                )
            )
        )
    with InstanceLock(ddir.lock), exclusive_use(ddir.db):
        raw_connect(ddir.db, old_key).close()  # proves the old key
        require_room(
            ddir.db,
            QT_TRANSLATE_NOOP(
                "core",
                "Changing the key writes a new copy of the clinic in {path}, which needs "
                "{needed} free; the disk has {free}. Free some space and try again; "
                "nothing was changed.",
            ),
        )
        if on_copy is not None:
            on_copy()
        gen = keyfile.generation + 1
        cid = keyfile.clinic_id
        new_key = new_data_key()
        code = new_recovery_code()
        slots = [wrap(new_key, code, kind="recovery", clinic_id=cid, generation=gen)]
        if passphrase:
            slots.append(
                wrap(new_key, passphrase, kind="passphrase", clinic_id=cid, generation=gen)
            )
        bridge = wrap(
            new_key,
            old_key.hex(),
            kind="successor",
            clinic_id=cid,
            generation=gen,
            params=SUCCESSOR_KDF,
        )
        write_keyfile(ddir.keyfile, KeyFile(cid, [*keyfile.slots, *slots, bridge]))
        try:
            side = write_side_copy(ddir.db, old_key, new_key, suffix=".rekey")
        except BaseException as exc:
            # Nothing is under the new key: its slots would only unlock a file that
            # does not exist (and say "damaged"). Back to the key file as it was.
            write_keyfile(ddir.keyfile, keyfile)
            if is_disk_full(exc):
                raise DiskFull(
                    Text(
                        QT_TRANSLATE_NOOP(
                            "core",
                            "The disk holding {path} filled up while the clinic was "
                            "copied under its new key; nothing was changed, and your "
                            "passphrase and recovery code still open the clinic. Free "
                            "some space and try again.",
                        ),
                        path=str(ddir.root),
                    )
                ) from exc
            raise
        try:
            swap_in(side, ddir.db)
        except ChangedDuringCopy:
            write_keyfile(ddir.keyfile, keyfile)  # refused before the rename: as above
            raise
        keystore.forget_key(cid)
        stored = keystore.save_key(cid, new_key)
        show_code(code)
        write_keyfile(ddir.keyfile, KeyFile(cid, slots))
    return Rekeyed(code, stored, new_key)
