"""A record sealed again under a newer generation of the clinic key: the same
plaintext, the same place (clinic, entity, row, version), a new seal."""

from __future__ import annotations

from dataclasses import replace

from .records import Record, _no_key
from .seal import ClinicKey, Place, open_sealed, seal


def reseal_record(
    record: Record, clinic_id: str, keys: dict[int, ClinicKey], key: ClinicKey
) -> Record:
    """``record`` under ``key``; Tampered if it does not open with the key it names."""
    old = keys.get(record.key_gen)
    if old is None:
        raise _no_key(record.entity)
    place = Place(clinic_id, record.entity, record.id, record.version)
    plaintext = open_sealed(old, place, record.sealed)
    return replace(record, key_gen=key.generation, sealed=seal(key, place, plaintext))
