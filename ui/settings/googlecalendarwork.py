"""What Settings → Google does with the providers' calendars: read the account's list,
make a "Receptionist – <provider>" calendar, map a provider to the calendar picked
(and offer to swap when it shows another provider's appointments), and stop sending a
provider to Google, once confirmed. The page's own runners carry the work: database
work on the database worker, Google calls on the Google thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from receptionist.google.calendars import Mapping
from sync.google.account import CalendarChoice

from . import googledata as data

if TYPE_CHECKING:
    from .googlepage import GooglePage


def _tr(text: str) -> str:
    return QCoreApplication.translate("GooglePage", text)


class CalendarWork:
    def __init__(self, page: GooglePage) -> None:
        self.page = page
        boxes = page.calendars
        boxes.load_button.clicked.connect(self.read_calendars)
        boxes.create_button.clicked.connect(self.make_calendar)
        boxes.chosen.connect(self.map_calendar)
        boxes.unmap_button.clicked.connect(self.unmap_selected)

    def _mapped(self) -> dict[str, Mapping]:
        found = self.page.page_data
        return {m.provider_id: m for m in found.status.calendars} if found else {}

    def _names(self) -> dict[str, str]:
        found = self.page.page_data
        return dict(found.providers) if found else {}

    def read_calendars(self) -> None:
        def got(kept: str) -> None:
            self.page.on_google(lambda: data.calendar_choices(kept), self._show_choices)

        self.page.with_credentials(got)

    def _show_choices(self, choices: list[CalendarChoice]) -> None:
        self.page.calendars.show_choices(choices)
        self.page.enable(busy=False)
        self.page.say(_tr("{0} calendars read from the account.").format(len(choices)))
        self.page.calendarsRead.emit()

    def make_calendar(self) -> None:
        page = self.page
        chosen, found = page.calendars.selected(), page.page_data
        if chosen is None or found is None:
            return
        provider_id, name = chosen

        def made(calendar_id: str) -> None:
            page.calendars.choose(provider_id, calendar_id)
            ctx, wanted = page.desk.ctx(), {provider_id: calendar_id}
            said = _tr("Calendar “Receptionist – {0}” made and mapped.").format(name)
            page.on_db(lambda db: data.save_mapping(db, ctx, wanted), said)

        def got(kept: str) -> None:
            page.on_google(lambda: data.new_calendar(kept, name, found.zone), made)

        page.with_credentials(got)

    def map_calendar(self, provider_id: str, calendar_id: str) -> None:
        """A calendar picked (or typed) for a provider: mapped at once."""
        mapped = self._mapped()
        own = mapped[provider_id].calendar_id if provider_id in mapped else ""
        if calendar_id == own:
            return
        if not calendar_id:  # "(not sent to Google)" picked: the mapping goes, once confirmed
            self.unmap_provider(provider_id)
            return
        holder = next((m for m in mapped.values() if m.calendar_id == calendar_id.strip()), None)
        if holder is not None and own:
            self._offer_swap(provider_id, holder, own)
            return
        ctx, wanted = self.page.desk.ctx(), {provider_id: calendar_id}
        said = _tr("Calendar saved; its appointments go at the next round.")
        self.page.on_db(lambda db: data.save_mapping(db, ctx, wanted), said)

    def _offer_swap(self, provider_id: str, holder: Mapping, own: str) -> None:
        """A calendar that shows another provider's appointments picked: the two
        providers' calendars swapped in one step, once confirmed."""
        page = self.page
        question = _tr(
            "{0} shows {1}'s appointments. Swap the two calendars: {2}'s appointments to "
            "{0}, {1}'s to {3}?"
        ).format(holder.calendar_id, holder.provider, self._names().get(provider_id, ""), own)
        if not page.confirm_swap(page, question):
            page.calendars.choose(provider_id, own)
            return
        ctx = page.desk.ctx()
        wanted = {provider_id: holder.calendar_id, holder.provider_id: own}
        said = _tr("Calendars swapped; the appointments move at the next round.")
        page.on_db(lambda db: data.save_mapping(db, ctx, wanted), said)

    def unmap_selected(self) -> None:
        chosen = self.page.calendars.selected()
        if chosen is not None:
            self.unmap_provider(chosen[0])

    def unmap_provider(self, provider_id: str) -> None:
        """Stop sending a provider's appointments to Google, once confirmed."""
        page = self.page
        current = self._mapped().get(provider_id)
        if current is None:
            name = self._names().get(provider_id, "")
            page.say(_tr("{0} has no Google calendar.").format(name))
            return
        question = _tr(
            "Stop sending {0}'s appointments to Google? The events already in {1} stay "
            "there (remove them in Google if they should go), and that calendar's own events "
            "no longer block {0}'s time here."
        ).format(current.provider, current.calendar_id)
        if not page.confirm_unmap(page, question):
            page.calendars.choose(provider_id, current.calendar_id)
            return
        ctx = page.desk.ctx()
        said = _tr("{0}'s appointments no longer go to Google; the events sent stay there.")
        page.on_db(lambda db: data.unmap(db, ctx, provider_id), said.format(current.provider))
