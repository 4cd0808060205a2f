"""Patients, search and the patient's records: adding and changing a patient
(``record``, with ``validation`` and ``phones``), search as you type (``search``,
``searchindex``, ``digitsearch``), likely duplicates, patient numbers, attached
documents and the communication log.

May import: the kernel, ``models``, ``store``, ``journal`` and ``privacy``. Never the
schedule: appointments refer to patients, not the other way round.
"""
