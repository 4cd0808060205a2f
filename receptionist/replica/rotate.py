"""A record, or a large document's chunk, sealed again under a newer generation of the
clinic key: the same plaintext, the same place (clinic, entity, row, version; a
chunk's index and count), a new seal."""

from __future__ import annotations

from dataclasses import replace

from .chunks import Chunk, place
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


def reseal_chunk(chunk: Chunk, clinic_id: str, keys: dict[int, ClinicKey], key: ClinicKey) -> Chunk:
    """A large document's chunk under ``key``, for the same place (row, version, index,
    count); Tampered if it does not open with the generation it names."""
    old = keys.get(chunk.key_gen)
    if old is None:
        raise _no_key(chunk.entity)
    where = place(clinic_id, chunk.entity, chunk.id, chunk.version, chunk.index, chunk.count)
    plaintext = open_sealed(old, where, chunk.sealed)
    return replace(chunk, key_gen=key.generation, sealed=seal(key, where, plaintext))
