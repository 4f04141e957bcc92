"""The demo tracker: a small consultancy's support sheet, ready for a first sync.

``sheetops demo`` fills a tracker with the rows below: fifteen restaurants
and cafés on the three tiers, three months of requests and logged time,
calls, the service catalog and a few days off. Only staff columns are
filled, with what a person would have typed, mistakes included; the sync
fills the rest. Everything is dated relative to the as-of instant, so on
any day the demo has a current billing period with work in it and SLA
clocks still running. The same as-of instant always gives the same rows.

Every case planted on purpose is listed in :data:`PLANTED`, with a cell
that finds its row. Request IDs follow arrival order, which shifts with
the as-of day, so the table names rows by their text instead.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from sheetops import schema
from sheetops.settings import Settings
from sheetops.sync.backend import Cell, Grid

Row = dict[str, Cell]
Extra = tuple[tuple[str, Cell], ...]

SEED = 20251231
STAFF = ("Dewi", "Rizky", "Putri", "Agus")
ONE_DAY = timedelta(days=1)
# Statuses in which the work has been handed over to the customer.
FINISHED = ("Delivered", "Confirmed", "Closed")
CHECKLIST = ("answered", "tested", "customer_notified", "docs_updated", "follow_up")
ROUTINE_QUESTIONS = 20


@dataclass(frozen=True)
class Planted:
    """A case the demo sets up on purpose, and the cell that finds its row."""

    rule: str
    tab: str
    field: str
    value: Cell


@dataclass(frozen=True)
class _Customer:
    name: str
    tier: str
    day: int  # billing day of the month
    months_back: int  # how long ago they started
    email: str
    whatsapp: str
    language: str
    start: str = ""  # typed text standing in for the Start Date
    active: bool = True
    blank_id: bool = False
    case: str = ""  # what this customer is in the demo for


# The tables below are laid out by hand, a row to an item, so that each
# reads as a line of the sheet; the formatter would spread them thin.
# fmt: off
_CUSTOMERS = (
    _Customer("Warung Makan Bu Sari", "R1", 1, 9, "bu.sari@warungbusari.example",
              "0812-3456-7890", "id"),
    _Customer("Kedai Kopi Senja", "R3", 5, 13, "halo@kopisenja.example",
              "+62 813 2211 4567", "en",
              case="past 80 % of the allocation: budget notice"),
    _Customer("Bakmi Ayam Pak Jenggot", "R2", 10, 11, "bakmi.jenggot@mail.example",
              "6285712345678", "id", case="R2 within budget: 45 of 60 minutes"),
    _Customer("Sate Madura Cak Ali", "R1", 15, 7, "cak.ali@mail.example",
              "0821 9876 5432", "id"),
    _Customer("Kopi Pagi Cerah", "R2", 28, 8, "owner@kopipagicerah.example",
              "+6281122334455", "en", case="R2 over budget, overage approved"),
    _Customer("Rumah Makan Padang Sederhana Jaya", "R3", 31, 10, "admin@padang.example",
              "0813-7788-9900", "id",
              case="Start Date on a 31st: resets on the last day of short months"),
    _Customer("Warung Tegal Mbak Yuni", "R1", 5, 5, "yuni.warteg@mail.example",
              "085245678901", "id"),
    _Customer("Kedai Nasi Uduk Betawi", "R2", 15, 12, "nasiuduk@mail.example",
              "+62 812 9090 1212", "id",
              case="R2 over budget in 2 of the last 3 periods: upgrade hint"),
    _Customer("Bakso Pak Kumis", "R3", 10, 13, "keuangan@baksopakkumis.example",
              "62811987654321", "id", case="R3 over budget, overage not approved"),
    _Customer("Soto Lamongan Cak Har", "R2", 28, 10, "sotocakhar@mail.example",
              "0857-1122-3344", "id", active=False, case="inactive customer"),
    _Customer("Ayam Geprek Mantul", "R5", 1, 6, "geprek.mantul@mail.example",
              "0896 5544 3322", "id", case="Tier typo R5"),
    _Customer("Nasi Goreng Kambing Pak Budi", "R1", 10, 6, "budi@",
              "+62 878 1234 0099", "id", case="Email budi@ has no domain"),
    _Customer("Kedai Es Teler Ceria", "R2", 15, 6, "hello@esteler.example",
              "0811-2020-3030", "en", start="soon", case="Start Date soon: not a date"),
    _Customer("Kopi Kebun Dago", "R3", 1, 6, "team@kopikebundago.example",
              "+62 822 4455 6677", "en"),
    _Customer("Mie Aceh Bang Rahman", "R2", 5, 5, "bangrahman@mail.example",
              "6281355577799", "id", blank_id=True,
              case="Customer ID blank: sheetops fills it"),
)
# fmt: on


@dataclass(frozen=True)
class _Work:
    """Custom work placed in a billing period: 0 the current, 1 the previous."""

    customer: str
    period: int
    shift: int  # days after the period start it was approved
    task: str
    quantity: int
    logs: tuple[int, ...]  # minutes logged on the approval day and the days after
    text: str
    status: str = "Closed"
    draft: int = 0  # minutes logged the day before approval
    extra: Extra = ()
    case: str = ""


_OK = (("overage_approved", True),)
# fmt: off
_WORK = (
    _Work("Kedai Kopi Senja", 2, 3, "New dashboard page", 1, (60, 60),
          'Build a "Staff Performance" page'),
    _Work("Kedai Kopi Senja", 1, 5, "Page reorganization", 2, (50, 45),
          "Move the delivery section above dine-in and split it by platform"),
    _Work("Kedai Kopi Senja", 0, 1, "New dashboard page", 1, (55, 45),
          "New page comparing our two outlets week by week", "Delivered"),
    _Work("Bakmi Ayam Pak Jenggot", 2, 4, "Calculation change", 2, (30, 20),
          "Ubah rumus food cost % supaya minuman tidak ikut"),
    _Work("Bakmi Ayam Pak Jenggot", 1, 6, "Simple metric", 2, (30,),
          "Tambah metrik jumlah porsi terjual per menu"),
    _Work("Bakmi Ayam Pak Jenggot", 0, 0, "Calculation change", 1, (25,),
          "Tolong ubah rumus margin kotor per menu"),
    _Work("Bakmi Ayam Pak Jenggot", 0, 2, "Simple metric", 1, (20,),
          "Tambah metrik rata-rata nilai transaksi", "Delivered"),
    _Work("Kopi Pagi Cerah", 2, 2, "Visual tweak", 1, (15,),
          "Change the colour scheme to our brand colours"),
    _Work("Kopi Pagi Cerah", 1, 3, "Simple metric", 2, (25, 15),
          "Add metrics: average order value and items per order"),
    _Work("Kopi Pagi Cerah", 0, 1, "Page reorganization", 2, (45, 35),
          "Reorganise the summary and product pages", "Delivered", extra=_OK),
    _Work("Rumah Makan Padang Sederhana Jaya", 1, 4, "Calculation change", 2, (25, 20),
          "Ubah rumus HPP rendang pakai harga daging terbaru",
          extra=(("release_notes", None),),
          case="custom work Closed without release notes"),
    _Work("Rumah Makan Padang Sederhana Jaya", 0, 1, "Visual tweak", 1, (10,),
          "Ganti warna grafik supaya sesuai logo baru", "Delivered", draft=15),
    _Work("Kedai Nasi Uduk Betawi", 2, 3, "Page reorganization", 2, (40, 30),
          "Pindahkan bagian pengeluaran ke halaman sendiri", extra=_OK),
    _Work("Kedai Nasi Uduk Betawi", 1, 2, "New dashboard page", 1, (45, 30),
          "Buat halaman baru: performa kasir per shift", extra=_OK),
    _Work("Kedai Nasi Uduk Betawi", 0, 1, "Visual tweak", 1, (),
          "Ganti warna tabel jadi hijau", "Awaiting Approval"),
    _Work("Bakso Pak Kumis", 2, 5, "Simple metric", 1, (20,),
          "Tambah metrik porsi bakso terjual per hari"),
    _Work("Bakso Pak Kumis", 1, 3, "Calculation change", 2, (30, 30),
          "Ubah rumus diskon member supaya ikut hari libur"),
    _Work("Bakso Pak Kumis", 0, 0, "New dashboard page", 1, (60, 50, 40),
          "Buat halaman baru: analisa per cabang", "Delivered"),
    _Work("Kopi Kebun Dago", 1, 2, "Visual tweak", 1, (15,),
          "Change the chart colours for the dark theme",
          extra=(("docs_updated", False),), case="Closed with Docs Updated unticked"),
    _Work("Kopi Kebun Dago", 0, 1, "Simple metric", 1, (20,),
          "Add metric: revenue per seat", "Confirmed"),
    _Work("Soto Lamongan Cak Har", 2, 4, "Simple metric", 1, (20,),
          "Tambah metrik omzet per jam"),
    _Work("Mie Aceh Bang Rahman", 1, 2, "Visual tweak", 1, (10,),
          "Ganti font judul di semua halaman"),
)
# fmt: on


@dataclass(frozen=True)
class _Ask:
    """A request placed before the as-of instant.

    ``ago`` is how long before: a timedelta, whole days (at an hour drawn
    like real traffic), a share of the tier's first-response window (a
    float), or text typed instead of a date. ``reply`` is when the first
    response went out, as a share of that window after arrival; None when
    nobody has replied yet.
    """

    customer: str
    ago: timedelta | int | float | str
    text: str
    type: str = "A"
    status: str = "Closed"
    reply: float | None = 0.2
    channel: str = ""
    task: str = ""
    logs: tuple[Cell, ...] = ()  # Minutes of each time-log row
    numbered: bool = True  # False: typed in without a Request ID
    extra: Extra = ()
    case: str = ""


_H, _M = timedelta(hours=1), timedelta(minutes=1)
# fmt: off
_ASKS = (
    _Ask("Warung Tegal Mbak Yuni", 2 * _H, "Kenapa grafik penjualan tidak muncul?",
         "", "New", None, case="Type blank (suggests A); first response on track"),
    _Ask("Bakmi Ayam Pak Jenggot", 0.8, "Tolong tambah grafik penjualan per jam",
         "B", "New", None, task="Simple metric",
         case="first response at risk (80 % of the window gone)"),
    _Ask("Nasi Goreng Kambing Pak Budi", 1.25, "Data penjualan kemarin kosong semua",
         "A", "New", None, case="first response breached, no reply yet"),
    _Ask("Kopi Pagi Cerah", 40 * _M, "How do I filter by date on the Sales page?",
         "A", "New", None, numbered=False, case="Request ID blank: sheetops fills it"),
    _Ask("Mie Aceh Bang Rahman", 4 * _H, "KPI apa yang sebaiknya saya pantau?",
         "", "New", 0.05, case="Type blank (suggests C)"),
    _Ask("Warung Makan Bu Sari", 5 * _H, "Bisa tambah kolom diskon di laporan?",
         "", "New", 0.02, case="Type blank (suggests B)"),
    _Ask("Sate Madura Cak Ali", "kemarin", "Laporan stok tidak update sejak pagi",
         "A", "New", None, case="Received At kemarin is not a date"),
    _Ask("Warung Tidak Ada", 3, "Bagaimana cara export laporan ke PDF?", "A",
         "New", case="a customer that doesn't exist"),
    _Ask("Warung Makan Bu Sari", 6, "Tolong tambah metrik rata-rata nilai pesanan",
         "B", "New", task="Simple metric", case="type B from an R1 customer"),
    _Ask("Kopi Pagi Cerah", 8, "How do I improve margins on weekday afternoons?",
         "C", "New", case="type C from an R2 customer"),
    _Ask("Kedai Nasi Uduk Betawi", 12, "Grafik food cost tidak muncul setelah "
         "update", channel="Phone", logs=(20,),
         case="Channel Phone, which R2 doesn't offer"),
    _Ask("Bakso Pak Kumis", 2, "Tambah metrik porsi terjual per jam", "B",
         "Estimated", task="Simple metrc", case="Catalog Task typo Simple metrc"),
    _Ask("Kedai Kopi Senja", 20, "=SUM(A1:A3) shows wrong total", logs=("abc",),
         case="starts with = and stays text; Minutes abc"),
    _Ask("Mie Aceh Bang Rahman", 9, "@Rizky grafik food cost kosong lagi",
         logs=(15,), case="starts with @ and stays text"),
    _Ask("Warung Tegal Mbak Yuni", 15, "+ tambahan: menu baru belum masuk laporan",
         logs=(-30,), case="starts with + and stays text; Minutes -30"),
    _Ask("Rumah Makan Padang Sederhana Jaya", 25, "Dashboard tidak bisa dibuka di "
         "HP kasir", reply=1.5, logs=(35,), case="first response late (R3)"),
    _Ask("Kopi Pagi Cerah", 33, "Data looks wrong for last Sunday: revenue doubled",
         reply=1.25, logs=(30,), case="first response late (R2)"),
    _Ask("Kopi Pagi Cerah", 5, 'Build a "Staff Performance" page', "B",
         "Deferred", task="New dashboard page"),
    _Ask("Bakmi Ayam Pak Jenggot", 18, "Hubungkan dashboard ke sistem POS baru",
         "B", "Declined", task="Complex integration"),
    _Ask("Mie Aceh Bang Rahman", 2, "Add new metric: Average Order Value", "B",
         "Approved", task="Simple metric", extra=(("estimate_minutes", 25),),
         case="Estimate (min) override"),
    _Ask("Rumah Makan Padang Sederhana Jaya", 3, "Tolong ubah rumus food cost",
         "B", "In Progress", task="Calculation change", logs=(20,)),
    _Ask("Kedai Kopi Senja", 40, "What KPIs should I track for the second outlet?",
         "C", logs=(15,)),
    _Ask("Bakso Pak Kumis", 10, "Bagaimana meningkatkan margin menu paket?", "C",
         "New"),
    _Ask("Kopi Kebun Dago", 8, "How do I add the new outlet to the branch filter?",
         logs=(20,)),
    _Ask("Ayam Geprek Mantul", 16, "Bagaimana cara menambah menu baru?",
         logs=(15,)),
)

_QUESTIONS = {
    "en": ("Dashboard not refreshing since this morning",
           "Data looks wrong on the summary page", "How do I filter by date?",
           "How do I compare this month with last month?",
           "The food cost chart shows an error after I pasted new data",
           "Revenue on the dashboard doesn't match the POS report",
           "How can I print the weekly report?", "Top-selling items list is missing"),
    "id": ("Grafik penjualan mingguan tidak muncul",
           "Dashboard tidak update sejak kemarin", "Angka food cost kelihatan salah",
           "Bagaimana cara filter per tanggal?",
           "Gimana cara lihat penjualan per cabang?",
           "Data transaksi hari Minggu tidak muncul",
           "Halaman ringkasan error setelah import data",
           "Total omzet beda dengan laporan kasir, mana yang salah?"),
}
_ANSWERS = {
    "en": ("Checked the data, replied", "Walked them through it on WhatsApp",
           "Fixed the import range, replied", "Call with the owner"),
    "id": ("Cek data, balas pelanggan", "Jelaskan lewat WhatsApp",
           "Perbaiki range import, kabari pelanggan", "Telepon pemilik"),
}
# What each day of custom work was, after a first draft made before approval.
_BUILD_STEPS = {
    "en": ("draft before approval", "build", "test with sample data",
           "release notes, send the template"),
    "id": ("draft sebelum disetujui", "kerjakan", "tes dengan data contoh",
           "catatan rilis, kirim template"),
}
# Release notes: what changed, how to use it, any caveat (the seed's list).
_NOTES = {
    "Simple metric": ("New metric on the Summary page, refreshed with every import.",
                      "Metrik baru di halaman Ringkasan, ikut diperbarui tiap import."),
    "Calculation change": ("Formula changed; older months recalculated too.",
                           "Rumus diubah; bulan sebelumnya ikut dihitung ulang."),
    "Visual tweak": ("New colours on every chart; nothing else changed.",
                     "Warna baru di semua grafik; tidak ada perubahan lain."),
    "Page reorganization": ("Sections moved; filters and links still work.",
                            "Bagian dipindah; filter dan tautan tetap jalan."),
    "New dashboard page": ("New page in the menu: pick outlet and week at the top. "
                           "Needs two weeks of data.",
                           "Halaman baru di menu: pilih cabang dan minggu di atas. "
                           "Butuh data dua minggu."),
}
# fmt: on


@dataclass(frozen=True)
class _Call:
    customer: str
    kind: str
    months_back: int
    weekday: int  # in the second week of the month, 0 is Monday
    hour: int
    medium: str
    action_items: str | None  # None: the call never took place


_TEMPLATE_UPDATE = "Update template bulanan + laporan pemakaian"
_PHONE_CALL = "Revisi harga paket makan siang; cek HPP rendang tiap minggu"
# fmt: off
_CALLS = (
    _Call("Bakmi Ayam Pak Jenggot", "Monthly Check-in", 1, 1, 10, "video",
          "Tambah metrik porsi per menu; cek harga bahan tiap Senin"),
    _Call("Kopi Pagi Cerah", "Monthly Check-in", 1, 2, 14, "video", None),
    _Call("Kedai Nasi Uduk Betawi", "Monthly Check-in", 1, 3, 10, "phone",
          "Bahas upgrade ke R3: dua bulan lewat budget"),
    _Call("Kedai Kopi Senja", "Strategic Call", 1, 0, 10, "video",
          "Cut two slow cold drinks; target food cost 31 %"),
    _Call("Kedai Kopi Senja", "Quarterly Deep Dive", 1, 4, 13, "video",
          "Second outlet plan; staff page next quarter"),
    _Call("Rumah Makan Padang Sederhana Jaya", "Strategic Call", 1, 4, 14, "phone",
          _PHONE_CALL),
    _Call("Bakso Pak Kumis", "Strategic Call", 1, 0, 14, "video",
          "Buka cabang baru? Tunggu data tiga bulan"),
    _Call("Kopi Kebun Dago", "Strategic Call", 1, 4, 10, "video",
          "Weekend brunch menu: track covers per seat"),
    _Call("Bakmi Ayam Pak Jenggot", "Monthly Check-in", 0, 2, 10, "video",
          "Pantau margin menu baru"),
    _Call("Kopi Pagi Cerah", "Monthly Check-in", 0, 1, 14, "video",
          "Plan the staff page for next period"),
    _Call("Mie Aceh Bang Rahman", "Monthly Check-in", 0, 3, 15, "phone",
          "Jelaskan halaman stok"),
    _Call("Kedai Kopi Senja", "Strategic Call", 0, 0, 10, "video",
          "Review the outlet comparison page"),
    _Call("Bakso Pak Kumis", "Strategic Call", 0, 4, 10, "video",
          "Analisa cabang: cek biaya sewa"),
)

# Time-log rows with a mistake in them:
# (case, days after today, Request ID, Customer, Work Done, Minutes).
_ODD_LOGS = (
    ("unknown Request ID", -12, "REQ-9999", "", "Balas soal export PDF", 15),
    ("neither Request ID nor Customer", -5, "", "", "Rapat tim mingguan", 60),
    ("Minutes typo: 900 for 90", -20, "", "C-0006", "Bersihkan data import", 900),
    ("Date in the future", 4, "", "Kopi Kebun Dago", "Prepare deep dive deck", 45),
)
# fmt: on

_DRAFT = "Visual tweak: draft sebelum disetujui"
_C, _R, _T = schema.CUSTOMERS.name, schema.REQUESTS.name, schema.TIME_LOG.name
_K = schema.CALLS.name
#: Every case planted on purpose, with a cell that finds its row.
PLANTED: tuple[Planted, ...] = (
    *(Planted(c.case, _C, "customer", c.name) for c in _CUSTOMERS if c.case),
    *(Planted(w.case, _R, "description", w.text) for w in _WORK if w.case),
    *(Planted(a.case, _R, "description", a.text) for a in _ASKS if a.case),
    *(Planted(o[0], _T, "work_done", o[4]) for o in _ODD_LOGS),
    Planted("time on custom work before its Approved On", _T, "work_done", _DRAFT),
    Planted("R3 Strategic Call held by phone", _K, "action_items", _PHONE_CALL),
)


def demo_rows(as_of: datetime, settings: Settings) -> dict[str, list[Row]]:
    """The demo tracker's staff cells, by tab name, as of ``as_of``.

    Each row maps schema field names to typed values; blank cells are
    left out. ``as_of`` is read as wall time in the business time zone.
    """
    return _Demo(as_of, settings).rows()


def demo_grids(as_of: datetime, settings: Settings) -> dict[str, Grid]:
    """The demo rows as grids in each tab's column order, without headers.

    Computed columns are None: the first sync fills them. This is the
    seed a backend's ``prepare`` takes.
    """
    grids: dict[str, Grid] = {}
    for name, rows in demo_rows(as_of, settings).items():
        columns = schema.tab(name).columns
        grids[name] = [[row.get(c.field) for c in columns] for row in rows]
    return grids


class _Demo:
    """Builds the tabs from the tables above, one random stream in fixed order."""

    def __init__(self, as_of: datetime, settings: Settings) -> None:
        if as_of.tzinfo is not None:
            as_of = as_of.astimezone(settings.business.time_zone)
        self.now = _to_minute(as_of.replace(tzinfo=None))
        self.today = self.now.date()
        self.settings = settings
        self.rng = random.Random(SEED)
        self.ids = _customer_ids()
        # Rows name a customer by ID or by name; both find it.
        self.people = {c.name: c for c in _CUSTOMERS}
        self.people.update({self.ids[c.name]: c for c in _CUSTOMERS if not c.blank_id})
        # (when it arrived, its row, its time-log rows, whether it has an ID)
        self.requests: list[tuple[datetime, Row, list[Row], bool]] = []
        self.log: list[Row] = []

    def rows(self) -> dict[str, list[Row]]:
        customers = [self.customer(c) for c in _CUSTOMERS]
        for work in _WORK:
            self.add_work(work)
        for ask in _ASKS:
            self.add_ask(ask)
        self.add_questions()
        requests = self.number_requests()
        calls = [self.call(c) for c in _CALLS]
        self.add_routine_log(calls)
        self.log.sort(key=lambda row: _as_date(row["date"]))
        return {
            schema.CUSTOMERS.name: customers,
            schema.REQUESTS.name: requests,
            schema.TIME_LOG.name: self.log,
            schema.CATALOG.name: [asdict(task) for task in self.settings.catalog],
            schema.CALLS.name: calls,
            schema.HOLIDAYS.name: self.holidays(),
        }

    def customer(self, customer: _Customer) -> Row:
        row: Row = {
            "customer_id": self.ids.get(customer.name),
            "customer": customer.name,
            "tier": customer.tier,
            "start_date": customer.start or self.start_date(customer),
            "email": customer.email,
            "whatsapp": customer.whatsapp,
            "language": customer.language,
            # R3 checks read the customer's own dashboard file.
            "dashboard": _dashboard(customer.name) if customer.tier == "R3" else None,
            "active": customer.active,
        }
        return _without_blanks(row)

    def start_date(self, customer: _Customer) -> date:
        """The billing anniversary ``months_back`` months ago, on its day."""
        first = self.today.replace(day=1) - relativedelta(months=customer.months_back)
        # A 31st start needs a month that has one.
        while calendar.monthrange(first.year, first.month)[1] < customer.day:
            first -= relativedelta(months=1)
        return first.replace(day=customer.day)

    def period_start(self, customer: _Customer, back: int) -> date:
        """The start of the billing period ``back`` periods before today's."""
        start = self.start_date(customer)
        months = (self.today.year - start.year) * 12 + self.today.month - start.month
        # Anniversaries count from the start itself, so a 31st never drifts.
        if start + relativedelta(months=months) > self.today:
            months -= 1
        return start + relativedelta(months=months - back)

    def add_work(self, work: _Work) -> None:
        """Custom work asked the day before approval, logged, then handed over."""
        customer = self.people[work.customer]
        anchor = self.period_start(customer, work.period) + work.shift * ONE_DAY
        anchor = min(anchor, self.today)
        received = datetime.combine(anchor - ONE_DAY, time(10))
        received += timedelta(minutes=self.rng.randrange(0, 330, 5))
        row = self.request(work.customer, received, work.text, "B", work.status)
        row.update(catalog_task=work.task, quantity=work.quantity)
        replied = received + timedelta(minutes=self.rng.randrange(20, 120, 5))
        row["first_response_at"] = replied

        logs: list[Row] = []
        if work.status != "Awaiting Approval":
            row["approved_on"] = anchor
            steps = _BUILD_STEPS[customer.language]
            entries = [(-1, work.draft)] if work.draft else []
            for days, minutes in entries + list(enumerate(work.logs)):
                day = min(anchor + days * ONE_DAY, self.today)
                step = steps[min(days + 1, len(steps) - 1)]
                logs.append(self.entry(day, minutes, f"{work.task}: {step}"))
            done = max(_as_date(log["date"]) for log in logs)
            self.settle(row, work.status, done, customer.language)
        self.requests.append((received, _apply(row, work.extra), logs, True))

    def add_ask(self, ask: _Ask) -> None:
        """A request as typed, its first response, its time and its hand-over."""
        customer = self.people.get(ask.customer)
        window = self.window(customer)
        received, order = self.arrival(ask.ago, window)
        row = self.request(ask.customer, received, ask.text, ask.type, ask.status)
        if ask.channel:
            row["channel"] = ask.channel
        if ask.type == "B":
            row.update(catalog_task=ask.task, quantity=1)

        logs: list[Row] = []
        if ask.reply is not None and isinstance(received, datetime):
            replied = _to_minute(received + window * ask.reply)
            row["first_response_at"] = replied
            if ask.status in ("Approved", "In Progress"):
                row["approved_on"] = max(received.date(), self.today - ONE_DAY)
            language = customer.language if customer else "id"
            day = self.today if ask.status == "In Progress" else replied.date()
            for minutes in ask.logs:
                answer = self.rng.choice(_ANSWERS[language])
                logs.append(self.entry(day, minutes, answer))
            self.settle(row, ask.status, replied.date(), language)
        self.requests.append((order, _apply(row, ask.extra), logs, ask.numbered))

    def arrival(
        self, ago: timedelta | int | float | str, window: timedelta
    ) -> tuple[datetime | str, datetime]:
        """What Received At holds, and the moment that orders it among the rest."""
        if isinstance(ago, str):
            return ago, self.now - ONE_DAY
        if isinstance(ago, int):
            moment = self.past_moment(ago)
        elif isinstance(ago, float):
            moment = _to_minute(self.now - window * ago)
        else:
            moment = self.now - ago
        return moment, moment

    def add_questions(self) -> None:
        """Routine questions over three months, answered in time and closed."""
        askers = [c for c in _CUSTOMERS if c.active and c.tier in self.settings.tiers]
        for _ in range(ROUTINE_QUESTIONS):
            customer = self.rng.choice(askers)
            name = customer.name
            # Staff write the Customer ID or the name, whichever is at hand.
            if self.rng.random() < 0.2:
                name = self.ids.get(name, name)
            text = self.rng.choice(_QUESTIONS[customer.language])
            reply = round(self.rng.uniform(0.05, 0.6), 2)
            minutes = self.rng.choice((10, 15, 20, 25, 30, 40))
            days = self.rng.randint(3, 88)
            self.add_ask(_Ask(name, days, text, reply=reply, logs=(minutes,)))

    def past_moment(self, days: int) -> datetime:
        """A moment about ``days`` ago: office hours mostly, else evening or weekend."""
        day = self.today - days * ONE_DAY
        draw = self.rng.random()
        if draw < 0.15:
            saturday = day - (day.weekday() - 5) % 7 * ONE_DAY
            day = saturday + self.rng.randint(0, 1) * ONE_DAY
            return datetime.combine(day, time(self.rng.randint(10, 19), 15))
        day = _weekday(day, -1)
        if draw < 0.3:
            return datetime.combine(day, time(self.rng.randint(17, 21), 40))
        minutes = self.rng.randrange(9 * 60, 16 * 60 + 45, 5)
        return datetime.combine(day, time()) + timedelta(minutes=minutes)

    def request(
        self, customer: str, received: Cell, text: str, kind: str, status: str
    ) -> Row:
        found = self.people.get(customer)
        tier = self.settings.tiers.get(found.tier) if found else None
        channels = tier.channels if tier and tier.channels else ("WhatsApp", "Email")
        row: Row = {
            "received_at": received,
            "customer": customer,
            "channel": channels[0],
            "preferred_channel": self.rng.choice(channels),
            "urgency": self.rng.choices(schema.URGENCIES, (2, 6, 3, 1))[0],
            "description": text,
            "type": kind or None,
            "status": status,
        }
        return _without_blanks(row)

    def settle(self, row: Row, status: str, done: date, language: str) -> None:
        """Fill in what a request in ``status`` has: hand-over dates, checklist."""
        if status not in FINISHED:
            return
        custom = row.get("type") == "B"
        if custom:
            row["delivered_on"] = done
            notes = _NOTES.get(str(row.get("catalog_task")), ("", ""))
            row["release_notes"] = notes[schema.LANGUAGES.index(language)]
            row.update(answered=True, tested=True, customer_notified=True)
        if status == "Confirmed":
            row["confirmed_on"] = min(done + ONE_DAY, self.today)
        if status == "Closed":
            # Custom work is closed once the customer has had a look at it.
            row["closed_on"] = min(done + (2 if custom else 0) * ONE_DAY, self.today)
            row.update(dict.fromkeys(CHECKLIST, True))

    def number_requests(self) -> list[Row]:
        """Requests in arrival order, numbered; their time-log rows carry it."""
        self.requests.sort(key=lambda item: item[0])
        rows: list[Row] = []
        numbers = iter(range(1, len(self.requests) + 1))
        for _, row, logs, numbered in self.requests:
            request_id = f"REQ-{next(numbers):04d}" if numbered else None
            rows.append(_without_blanks({"request_id": request_id, **row}))
            for log in logs:
                self.log.append({"date": log["date"], "request_id": request_id, **log})
        return rows

    def add_routine_log(self, calls: list[Row]) -> None:
        """General support rows: template updates, Monday R3 checks, calls held."""
        paying = [c for c in _CUSTOMERS if c.active and c.tier in ("R2", "R3")]
        for months_back in (2, 1, 0):
            # Week 4 of the seed's calendar: the monthly template update.
            day = (self.today - relativedelta(months=months_back)).replace(day=25)
            for customer in paying if day <= self.today else []:
                self.add_general(day, customer, _TEMPLATE_UPDATE, 15)
        monday = self.today - self.today.weekday() * ONE_DAY
        for weeks in range(6):
            for customer in (c for c in paying if c.tier == "R3"):
                day = monday - timedelta(weeks=weeks)
                self.add_general(day, customer, "Cek mingguan dashboard R3", 15)

        tiers = self.settings.tiers.values()
        minutes = {plan.kind: plan.minutes for tier in tiers for plan in tier.calls}
        for call in calls:
            held, kind = call.get("held_on"), str(call["kind"])
            if isinstance(held, date):
                customer = self.people[str(call["customer"])]
                self.add_general(held, customer, kind, minutes[kind])

        for _, days, request_id, name, work, spent in _ODD_LOGS:
            row: Row = {"date": self.today + days * ONE_DAY, "request_id": request_id}
            row.update(customer=name, work_done=work, minutes=spent)
            self.log.append(_without_blanks({**row, "staff": self.rng.choice(STAFF)}))

    def add_general(
        self, day: date, customer: _Customer, work: str, minutes: int
    ) -> None:
        """A time-log row for a customer rather than a request."""
        name = customer.name
        if self.rng.random() < 0.5:
            name = self.ids.get(name, name)
        entry = self.entry(day, minutes, work)
        self.log.append({"date": day, "customer": name, **entry})

    def entry(self, day: date, minutes: Cell, work: str) -> Row:
        """One time-log entry, timed by Minutes or now and then by Started/Stopped."""
        row: Row = {"date": day, "work_done": work, "staff": self.rng.choice(STAFF)}
        timed = isinstance(minutes, int) and 0 < minutes < 6 * 60
        if isinstance(minutes, int) and timed and self.rng.random() < 0.1:
            begin = datetime.combine(day, time(9))
            begin += timedelta(minutes=self.rng.randrange(0, 6 * 60, 5))
            row["started"] = begin.time()
            row["stopped"] = (begin + timedelta(minutes=minutes)).time()
        else:
            row["minutes"] = minutes
        return row

    def call(self, call: _Call) -> Row:
        first = self.today.replace(day=1) - relativedelta(months=call.months_back)
        # Calls happen in the second week of the month (the seed's calendar).
        day = first + 7 * ONE_DAY
        day += (call.weekday - day.weekday()) % 7 * ONE_DAY
        scheduled = datetime.combine(day, time(call.hour))
        held = call.action_items is not None and scheduled < self.now
        row: Row = {
            "customer": call.customer,
            "kind": call.kind,
            "month": f"{first:%Y-%m}",
            "scheduled_for": scheduled,
            "held_on": day if held else None,
            "medium": call.medium,
            "action_items": call.action_items if held else None,
        }
        return _without_blanks(row)

    def holidays(self) -> list[Row]:
        """Two cuti bersama days off near today, and the Saturday that makes up one."""
        before = _weekday(self.today - 9 * ONE_DAY, -1)
        after = _weekday(self.today + 8 * ONE_DAY, 1)
        saturday = after + (5 - after.weekday()) % 7 * ONE_DAY
        makeup = "Sabtu masuk kerja, pengganti cuti bersama"
        return [
            {"date": before, "name": "Cuti bersama Idul Fitri", "off": True},
            {"date": after, "name": "Cuti bersama Natal", "off": True},
            {"date": saturday, "name": makeup, "off": False},
        ]

    def window(self, customer: _Customer | None) -> timedelta:
        """The customer's first-response window; a day when the tier is unknown."""
        tier = self.settings.tiers.get(customer.tier) if customer else None
        return timedelta(hours=tier.first_response_hours if tier else 24)


def _dashboard(name: str) -> str:
    return f"dashboards/{'-'.join(name.lower().split())}.xlsx"


def _customer_ids() -> dict[str, str]:
    """C-0001 onwards in sheet order, skipping the customer left without one."""
    named = [c.name for c in _CUSTOMERS if not c.blank_id]
    return {name: f"C-{index:04d}" for index, name in enumerate(named, start=1)}


def _without_blanks(row: Row) -> Row:
    return {key: value for key, value in row.items() if value is not None}


def _apply(row: Row, extra: Extra) -> Row:
    """``row`` with the planted changes: a value replaces, None blanks the cell."""
    changed = dict(row)
    changed.update(extra)
    return _without_blanks(changed)


def _to_minute(moment: datetime) -> datetime:
    """``moment`` without seconds: staff type times to the minute."""
    return moment.replace(second=0, microsecond=0)


def _as_date(value: object) -> date:
    assert isinstance(value, date)
    return value


def _weekday(day: date, step: int) -> date:
    """``day`` if it is a weekday, else the nearest one in the ``step`` direction."""
    while day.weekday() >= 5:
        day += step * ONE_DAY
    return day
