"""Whether a report's period is over: figures of a period not yet ended are provisional.

Invariants:
- A period `[start, end)` is `closed` on a day when `end` is on or before it, `open` when it
  has begun but not ended, `future` when it has not begun. The day is today in Việt Nam
  (`ledger.clock.today_vn`, so tests and the demo can fix it) or, for a report computed as of
  a checkpoint signed earlier, the checkpoint's signing day in Việt Nam when that is earlier:
  figures as of a checkpoint signed before the period ended are provisional however late
  they are read, and the same checkpoint gives the same answer (and the same export bytes)
  on every later day.
- Every output of a report (terminal, CSV, XLSX, JSON, the web page, the inspection HTML)
  states an `open` or `future` period with `notice` (Vietnamese, "Số liệu tạm tính, kỳ báo
  cáo chưa kết thúc"; a future period also "chưa bắt đầu"); JSON carries `provisional` and
  `period_status` for machines. A `closed` period has no notice. `notice_en` says the same
  in English, for the web pages read in English.
- A period that has not begun today in Việt Nam is not reported at all (`not_begun`): the
  ledger refuses money with a future effective date, so its form could only hold zeros. The
  command line and the web refuse it naming the period; `future` remains for a period begun
  today but not on the day of the checkpoint the report is computed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from ledger import clock
from ledger.domain.periods import Period

State = Literal["closed", "open", "future"]
PROVISIONAL_VI = "Số liệu tạm tính, kỳ báo cáo chưa kết thúc"
PROVISIONAL_EN = "Provisional figures: the period is not over"


@dataclass(frozen=True)
class PeriodStatus:
    period: Period
    on: date  # the day the period is judged on
    checkpoint: bool = False  # `on` is the checkpoint's signing day (earlier than today)

    @property
    def state(self) -> State:
        if self.period.end <= self.on:
            return "closed"
        return "open" if self.period.start <= self.on else "future"

    @property
    def provisional(self) -> bool:
        return self.state != "closed"

    @property
    def notice(self) -> str | None:
        """What a reader must be told, in Vietnamese; None for a period that is over."""
        state = self.state
        if state == "closed":
            return None
        day = f"{self.on:%d/%m/%Y}"
        when = f"checkpoint ký ngày {day}" if self.checkpoint else f"hôm nay {day}"
        last = self.period.end - timedelta(days=1)
        if state == "future":
            return (
                f"{PROVISIONAL_VI}: kỳ báo cáo chưa bắt đầu (bắt đầu "
                f"{self.period.start:%d/%m/%Y}, {when})"
            )
        return f"{PROVISIONAL_VI} (kỳ đến hết ngày {last:%d/%m/%Y}, {when})"

    @property
    def notice_en(self) -> str | None:
        """`notice` in English; None for a period that is over."""
        state = self.state
        if state == "closed":
            return None
        day = f"{self.on:%d/%m/%Y}"
        when = f"checkpoint signed on {day}" if self.checkpoint else f"today {day}"
        last = self.period.end - timedelta(days=1)
        if state == "future":
            return (
                f"{PROVISIONAL_EN}: it has not begun yet (it begins on "
                f"{self.period.start:%d/%m/%Y}, {when})"
            )
        return f"{PROVISIONAL_EN} (the period ends on {last:%d/%m/%Y}, {when})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "provisional": self.provisional,
            "judged_on": self.on.isoformat(),
            "judged_at": "checkpoint" if self.checkpoint else "today",
            "notice": self.notice,
        }


def _signed_day(signed_at: str | None) -> date | None:
    if not signed_at:
        return None
    try:
        instant = datetime.fromisoformat(signed_at)
    except ValueError:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return clock.local_date(instant)


def period_status(period: Period, signed_at: str | None = None) -> PeriodStatus:
    """The period as of today in Việt Nam, or as of the day a checkpoint was signed
    (`signed_at`, ISO 8601) when that day is earlier."""
    today = clock.today_vn()
    signed = _signed_day(signed_at)
    if signed is not None and signed < today:
        return PeriodStatus(period, signed, checkpoint=True)
    return PeriodStatus(period, today)


def not_begun(period: Period) -> tuple[str, str] | None:
    """Why `period` cannot be reported yet, (vi, en), when it begins after today in Việt Nam:
    nothing can have been recorded in it. None for a period that has begun."""
    today = clock.today_vn()
    if period.start <= today:
        return None
    start, day = f"{period.start:%d/%m/%Y}", f"{today:%d/%m/%Y}"
    return (
        f"{period.label_vi} chưa bắt đầu (bắt đầu {start}, hôm nay {day}): chưa thể có khoản "
        "nào được ghi trong kỳ",
        f"{period.label_en} has not begun (it begins on {start}, today {day}): nothing can "
        "have been recorded in it yet",
    )
