"""The agenda of each call a tier includes, in both languages.

The items and their minutes are the seed's procedures: R2's 30-minute
Monthly Check-in, R3's 60-minute Strategic Call and 90-minute Quarterly
Deep Dive. The minutes of a call's items add up to the call's length. A
point may name ``{allocation}``, the tier's monthly custom-work hours.
"""

from __future__ import annotations

from dataclasses import dataclass

from sheetops.errors import MailError
from sheetops.formatting import language_of


@dataclass(frozen=True)
class Item:
    """One agenda item: what, how long, and what it covers."""

    title: str
    minutes: int
    points: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agenda:
    """A call's purpose, items, how it is held, and what it leaves behind."""

    purpose: str
    items: tuple[Item, ...]
    delivery: str
    deliverable: str = ""

    @property
    def minutes(self) -> int:
        return sum(item.minutes for item in self.items)


_CHECK_IN = {
    "en": Agenda(
        purpose="Accountability and light guidance",
        items=(
            Item(
                "Review dashboard usage",
                5,
                ("Which pages you use most", "Any metric that is confusing"),
            ),
            Item(
                "Answer strategic questions",
                15,
                (
                    'For example: "Sales are down: is it price or volume?"',
                    '"Should I add more staff?"',
                ),
            ),
            Item(
                "Identify improvements",
                5,
                (
                    "A new metric you'd like to track",
                    "A page layout that gets in the way",
                ),
            ),
            Item(
                "Schedule custom work",
                5,
                ("Using what is left of this month's time", "Next month's requests"),
            ),
        ),
        delivery="Video call (Zoom or Google Meet) or phone",
    ),
    "id": Agenda(
        purpose="Evaluasi rutin dan arahan ringan",
        items=(
            Item(
                "Tinjauan penggunaan dasbor",
                5,
                (
                    "Halaman yang paling sering Anda pakai",
                    "Metrik yang membingungkan",
                ),
            ),
            Item(
                "Menjawab pertanyaan strategis",
                15,
                (
                    'Misalnya: "Penjualan turun, karena harga atau jumlah transaksi?"',
                    '"Perlukah saya menambah staf?"',
                ),
            ),
            Item(
                "Mencari perbaikan",
                5,
                (
                    "Metrik baru yang ingin Anda pantau",
                    "Tata letak halaman yang merepotkan",
                ),
            ),
            Item(
                "Menjadwalkan pekerjaan kustom",
                5,
                (
                    "Memakai sisa jatah waktu bulan ini",
                    "Permintaan untuk bulan depan",
                ),
            ),
        ),
        delivery="Panggilan video (Zoom atau Google Meet) atau telepon",
    ),
}

_STRATEGIC = {
    "en": Agenda(
        purpose="A business review with recommendations drawn from your data",
        items=(
            Item(
                "Performance Review",
                20,
                (
                    "Revenue, margin and traffic trends",
                    "Comparison with your goals and benchmarks",
                    "Anomalies worth a closer look",
                ),
            ),
            Item(
                "Deep Dive Analysis",
                20,
                (
                    "A topic you choose, for example:",
                    '"Why is food cost increasing?"',
                    '"Which menu items are most profitable?"',
                    '"How can staffing be optimized?"',
                ),
            ),
            Item(
                "Action Plan",
                15,
                (
                    "Specific, measurable recommendations",
                    "KPI targets for next month",
                    "Dashboard changes needed",
                ),
            ),
            Item(
                "Custom Work Planning",
                5,
                ("How to use your {allocation} a month", "Which requests come first"),
            ),
        ),
        delivery="Video call (required; not by phone)",
    ),
    "id": Agenda(
        purpose="Tinjauan bisnis dengan rekomendasi berdasarkan data Anda",
        items=(
            Item(
                "Tinjauan Kinerja",
                20,
                (
                    "Tren pendapatan, margin, dan jumlah pengunjung",
                    "Perbandingan dengan target dan tolok ukur",
                    "Anomali yang perlu dicermati",
                ),
            ),
            Item(
                "Analisis Mendalam",
                20,
                (
                    "Topik pilihan Anda, misalnya:",
                    '"Mengapa food cost naik?"',
                    '"Menu mana yang paling menguntungkan?"',
                    '"Bagaimana mengatur jumlah staf?"',
                ),
            ),
            Item(
                "Rencana Aksi",
                15,
                (
                    "Rekomendasi yang spesifik dan terukur",
                    "Target KPI untuk bulan depan",
                    "Perubahan dasbor yang diperlukan",
                ),
            ),
            Item(
                "Perencanaan Pekerjaan Kustom",
                5,
                (
                    "Memakai jatah {allocation} per bulan",
                    "Urutan prioritas permintaan",
                ),
            ),
        ),
        delivery="Panggilan video (wajib; tidak lewat telepon)",
    ),
}

_DEEP_DIVE = {
    "en": Agenda(
        purpose="A comprehensive strategic review of the quarter",
        items=(
            Item(
                "Executive Summary",
                10,
                ("Quarter highlights", "Key wins and challenges"),
            ),
            Item(
                "Performance vs Goals",
                20,
                (
                    "Revenue, margin and cost analysis",
                    "Year-on-year and quarter-on-quarter",
                ),
            ),
            Item(
                "Competitive Benchmarking",
                15,
                ("How you compare with the industry", "Gaps and opportunities"),
            ),
            Item(
                "Strategic Recommendations",
                30,
                ("3–5 major initiatives", "ROI estimates", "An implementation roadmap"),
            ),
            Item(
                "Dashboard Roadmap",
                10,
                ("Custom work for next quarter", "New metrics to build"),
            ),
            Item("Q&A", 5),
        ),
        delivery="Video call",
        deliverable="A written summary and action plan (PDF)",
    ),
    "id": Agenda(
        purpose="Tinjauan strategis menyeluruh atas kuartal ini",
        items=(
            Item(
                "Ringkasan Eksekutif",
                10,
                ("Sorotan kuartal ini", "Keberhasilan dan tantangan utama"),
            ),
            Item(
                "Kinerja vs Target",
                20,
                (
                    "Analisis pendapatan, margin, dan biaya",
                    "Perbandingan tahunan dan kuartalan",
                ),
            ),
            Item(
                "Perbandingan dengan Pesaing",
                15,
                ("Posisi Anda dibanding industri", "Celah dan peluang"),
            ),
            Item(
                "Rekomendasi Strategis",
                30,
                ("3–5 inisiatif utama", "Perkiraan ROI", "Peta jalan pelaksanaan"),
            ),
            Item(
                "Peta Jalan Dasbor",
                10,
                ("Pekerjaan kustom kuartal depan", "Metrik baru yang akan dibuat"),
            ),
            Item("Tanya Jawab", 5),
        ),
        delivery="Panggilan video",
        deliverable="Ringkasan tertulis dan rencana aksi (PDF)",
    ),
}

AGENDAS = {
    "Monthly Check-in": _CHECK_IN,
    "Strategic Call": _STRATEGIC,
    "Quarterly Deep Dive": _DEEP_DIVE,
}


def agenda(kind: str, language: str, allocation: str) -> Agenda:
    """The agenda of a call kind in ``language``, the allocation filled in."""
    by_language = AGENDAS.get(kind)
    if by_language is None:
        raise MailError(
            f"no agenda for a {kind!r} call; the call kinds are {', '.join(AGENDAS)}"
        )
    found = by_language[language_of(language)]
    items = tuple(
        Item(
            item.title,
            item.minutes,
            tuple(point.format(allocation=allocation) for point in item.points),
        )
        for item in found.items
    )
    return Agenda(found.purpose, items, found.delivery, found.deliverable)
