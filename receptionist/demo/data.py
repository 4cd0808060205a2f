"""Name lists for the demo clinic and the benchmark generator (Turkish, Arabic, English).

Fictional combinations of common names; no real person's data.
"""

from __future__ import annotations

TURKISH_GIVEN = (
    "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Zehra",
    "Sultan", "Hülya", "Gül", "Özlem", "Çiğdem", "Büşra", "İrem", "Ebru", "Gökçe",
    "Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail",
    "Osman", "Yusuf", "Murat", "Ömer", "Ramazan", "Halil", "Süleyman", "Abdullah",
    "Mahmut", "Recep", "Şükrü", "Çağrı", "Tuğrul", "Doğan", "Ilgaz", "Işıl", "Ümit",
)  # fmt: skip
TURKISH_FAMILY = (
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
    "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt",
    "Özkan", "Şimşek", "Polat", "Özer", "Güneş", "Erdoğan", "Aktaş", "Işık", "Uçar",
    "Bulut", "Ağaoğlu", "Çakır", "Gündoğdu", "İnce", "Soylu", "Tekin", "Ünal", "Güler",
)  # fmt: skip
ARABIC_GIVEN = (
    "محمد", "أحمد", "علي", "عمر", "يوسف", "إبراهيم", "خالد", "حسن", "حسين", "مصطفى",
    "فاطمة", "عائشة", "مريم", "زينب", "خديجة", "نور", "ليلى", "سارة", "آمنة", "هدى",
)  # fmt: skip
ARABIC_FAMILY = (
    "الحسن", "العلي", "الأحمد", "الخطيب", "حداد", "نجار", "الشامي", "المصري", "الحلبي",
    "إسماعيل", "عبد الله", "الزهراني", "القحطاني", "العمري", "السيد", "منصور", "سليمان",
)  # fmt: skip
ENGLISH_GIVEN = (
    "Oliver", "George", "Harry", "Jack", "Noah", "Leo", "Oscar", "Charlie", "James",
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophia", "Emily", "Lily", "Sarah",
    "John", "Michael", "David", "Emma", "Hannah", "Thomas", "William", "Chloe", "Ella",
)  # fmt: skip
ENGLISH_FAMILY = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Jackson", "Clarke", "O'Brien", "McDonald", "Hughes", "Edwards",
)  # fmt: skip

# (given names, family names, share of patients)
NAME_POOLS = (
    (TURKISH_GIVEN, TURKISH_FAMILY, 0.6),
    (ARABIC_GIVEN, ARABIC_FAMILY, 0.2),
    (ENGLISH_GIVEN, ENGLISH_FAMILY, 0.2),
)

SERVICES = (
    # name, category, minutes, price (minor units), buffer before, buffer after, colour
    ("Check-up", "General", 20, 80000, 0, 5, "#7fb77e"),
    ("Cleaning", "Hygiene", 45, 120000, 0, 10, "#6fa8dc"),
    ("Filling", "Restorative", 30, 150000, 5, 10, "#f6b26b"),
    ("Root canal", "Endodontics", 60, 450000, 5, 15, "#e06666"),
    ("Whitening", "Aesthetics", 60, 300000, 0, 10, "#c27ba0"),
    ("Consultation", "General", 15, 50000, 0, 0, "#93c47d"),
    ("Physiotherapy session", "Physio", 40, 90000, 0, 10, "#8e7cc3"),
    ("Extraction", "Surgery", 30, 200000, 10, 15, "#cc4125"),
)  # fmt: skip

PROVIDER_NAMES = (
    "Dr. Elif Aksoy", "Dr. Kerem Yalçın", "Dr. Layla Haddad", "Dr. James Carter",
    "Dr. Selin Öztürk", "Dr. Omar Farouk", "Dr. Deniz Uysal", "Dr. Hannah Price",
    "Dr. Burak Tunç", "Dr. Nour Khalil", "Dr. Ece Korkmaz", "Dr. Samuel Reid",
    "Dr. Cem Aydoğan", "Dr. Rania Saleh", "Dr. Aylin Erdem", "Dr. Peter Walsh",
    "Dr. Mert Kaplan", "Dr. Yasmin Aziz", "Dr. Zeynep Ersoy", "Dr. Daniel Moss",
)  # fmt: skip

PROVIDER_COLOURS = (
    "#4a90d9", "#50b37a", "#d9822b", "#a05fc8", "#d94a6a", "#2bb3b3", "#8a8a2b",
    "#5f6fc8", "#c8a05f", "#6a9955",
)  # fmt: skip

# The demo's waitlist: (service, provider index or None, times of day, weekdays,
# days from today to the first / last date (None: no limit), priority, note)
WAITLIST_WISHES = (
    ("Check-up", None, ("morning",), (), 0, None, 2, "Toothache; can come at short notice"),
    ("Cleaning", 0, ("afternoon",), ("tue", "thu"), 0, 21, 0, ""),
    ("Filling", 1, (), (), 0, 14, 1, "Wants the same provider as last time"),
    ("Consultation", None, ("evening",), (), 0, None, 0, "After work only"),
    ("Whitening", 2, ("morning", "afternoon"), (), 3, 30, 0, "Before a wedding"),
)  # fmt: skip

# Today's desk, so the board shows a working day: an appointment over at least this
# long ago was seen ("completed"); ...
SEEN_AFTER_MINUTES = 5
# ... one that began at least this long ago is on ("in_room"); of those that began
# just now, in turn one patient waits ("arrived") and one is not here yet (late).
IN_ROOM_AFTER_MINUTES = 10
# Arrived this many minutes before their time (in the room) or before now (waiting early).
EARLY_MINUTES = 6
