"""Only the Google station runs Google sync: the PC whose device code the clinic
setting ``google.station`` names, or, where the clinic has no cloud (one file, one
PC), this PC when the setting is empty. The rule is the reminder station's, one
function for both (``receptionist.patients.numbering.runs_here``): one PC talks to
Google, so two PCs never push the same appointment or read the same calendar into two
copies of blocked time.

Google's own state (the link, the tokens, the last round) is local to the station's
file; the other PCs show which PC the station is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from receptionist.patients import numbering
from receptionist.patients.numbering import this_code
from receptionist.settings import clinicstore
from receptionist.settings.google import STATION
from receptionist.store.storage import Database


@dataclass(frozen=True)
class Station:
    named: str  # the setting, upper-cased ("" when unset)
    here: str  # this PC's device code
    cloud: bool  # this PC syncs with a cloud

    @property
    def is_here(self) -> bool:
        """This PC runs Google sync (the rule is every station's: ``runs_here``)."""
        return numbering.runs_here(self.named, self.here, self.cloud)

    @property
    def elsewhere(self) -> str:
        """The station's code when it is another PC ("" when it is this one or none)."""
        return self.named if self.named and not self.is_here else ""


def of(session: Session) -> Station:
    here, cloud = this_code(session)
    return Station(str(clinicstore.value(session, STATION)).upper(), here, cloud)


def station(db: Database) -> Station:
    with db.read() as s:
        return of(s)
