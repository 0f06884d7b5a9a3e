# ruff: noqa: RUF001 - names and companies are written in Japanese and Russian on purpose.
"""The demo desk's people: customer organizations and their contacts, the support staff and their
skill groups, with the fixed logins the README names. The cast is the same for every seed, so
`--append` can add tickets to an existing demo desk."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from tierdesk.accounts.choices import CompanySize, Language, Plan, Region, Role, Tier
from tierdesk.accounts.models import Organization, SkillGroup, User

DEMO_PASSWORD = "demo"
STAFF_DOMAIN = "lumora.example"
CAST_SEED = 20240601

# (name, email domain, region, plan, size)
ORGANIZATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "株式会社さくら物流",
        "sakura-logistics.example",
        Region.JAPAN,
        Plan.ENTERPRISE,
        CompanySize.ENTERPRISE,
    ),
    ("北斗製薬株式会社", "hokuto-pharma.example", Region.JAPAN, Plan.PREMIUM, CompanySize.LARGE),
    ("東邦精機株式会社", "toho-seiki.example", Region.JAPAN, Plan.STANDARD, CompanySize.LARGE),
    (
        "株式会社みらいリテール",
        "mirai-retail.example",
        Region.JAPAN,
        Plan.PREMIUM,
        CompanySize.LARGE,
    ),
    (
        "大和データサービス株式会社",
        "yamato-ds.example",
        Region.JAPAN,
        Plan.STANDARD,
        CompanySize.MEDIUM,
    ),
    (
        "株式会社青葉ホールディングス",
        "aoba-hd.example",
        Region.JAPAN,
        Plan.ENTERPRISE,
        CompanySize.ENTERPRISE,
    ),
    (
        "瀬戸内フーズ株式会社",
        "setouchi-foods.example",
        Region.JAPAN,
        Plan.BASIC,
        CompanySize.MEDIUM,
    ),
    (
        "株式会社ひかりモバイル",
        "hikari-mobile.example",
        Region.JAPAN,
        Plan.STANDARD,
        CompanySize.MEDIUM,
    ),
    (
        "富士見インシュアランス株式会社",
        "fujimi-ins.example",
        Region.JAPAN,
        Plan.PREMIUM,
        CompanySize.LARGE,
    ),
    (
        "ООО «Волжская торговая сеть»",
        "volga-retail.example",
        Region.RUSSIA,
        Plan.PREMIUM,
        CompanySize.LARGE,
    ),
    (
        "АО «Уральские станки»",
        "uralstanki.example",
        Region.RUSSIA,
        Plan.STANDARD,
        CompanySize.LARGE,
    ),
    (
        "ООО «Байкал Финанс»",
        "baikal-finance.example",
        Region.RUSSIA,
        Plan.ENTERPRISE,
        CompanySize.ENTERPRISE,
    ),
    (
        "АО «Сибирская энергосеть»",
        "sibenergoset.example",
        Region.RUSSIA,
        Plan.PREMIUM,
        CompanySize.ENTERPRISE,
    ),
    (
        "ООО «Невские технологии»",
        "nevtech.example",
        Region.RUSSIA,
        Plan.STANDARD,
        CompanySize.MEDIUM,
    ),
    (
        "ООО «Камская логистика»",
        "kama-logistics.example",
        Region.RUSSIA,
        Plan.BASIC,
        CompanySize.MEDIUM,
    ),
    ("АО «Приокский банк»", "priokbank.example", Region.RUSSIA, Plan.ENTERPRISE, CompanySize.LARGE),
    ("ООО «Светлый путь Медиа»", "svetmedia.example", Region.RUSSIA, Plan.BASIC, CompanySize.SMALL),
    (
        "Nordlicht Versicherung AG",
        "nordlicht-vers.example",
        Region.EMEA,
        Plan.ENTERPRISE,
        CompanySize.ENTERPRISE,
    ),
    (
        "Brightwater Energy Ltd",
        "brightwater-energy.example",
        Region.EMEA,
        Plan.PREMIUM,
        CompanySize.LARGE,
    ),
    (
        "Castellan Retail Group",
        "castellan-retail.example",
        Region.EMEA,
        Plan.STANDARD,
        CompanySize.LARGE,
    ),
    ("Vinterberg Shipping A/S", "vinterberg.example", Region.EMEA, Plan.PREMIUM, CompanySize.LARGE),
    ("Lumière Santé SA", "lumiere-sante.example", Region.EMEA, Plan.STANDARD, CompanySize.MEDIUM),
    (
        "Oakridge Building Society",
        "oakridge-bs.example",
        Region.EMEA,
        Plan.ENTERPRISE,
        CompanySize.LARGE,
    ),
    ("Helios Telecom BV", "helios-telecom.example", Region.EMEA, Plan.BASIC, CompanySize.MEDIUM),
    (
        "Marlowe & Finch Publishing",
        "marlowe-finch.example",
        Region.EMEA,
        Plan.BASIC,
        CompanySize.SMALL,
    ),
    (
        "Northwind Logistics Inc.",
        "northwind-logistics.example",
        Region.AMERICAS,
        Plan.ENTERPRISE,
        CompanySize.ENTERPRISE,
    ),
    (
        "Redwood Health Partners",
        "redwood-health.example",
        Region.AMERICAS,
        Plan.PREMIUM,
        CompanySize.LARGE,
    ),
    (
        "Cedar Point Retail",
        "cedarpoint-retail.example",
        Region.AMERICAS,
        Plan.STANDARD,
        CompanySize.LARGE,
    ),
    (
        "Bluefin Payments",
        "bluefin-payments.example",
        Region.AMERICAS,
        Plan.PREMIUM,
        CompanySize.MEDIUM,
    ),
    (
        "Great Plains Agritech",
        "greatplains-agri.example",
        Region.AMERICAS,
        Plan.BASIC,
        CompanySize.SMALL,
    ),
    (
        "Harborview Insurance",
        "harborview-ins.example",
        Region.AMERICAS,
        Plan.STANDARD,
        CompanySize.LARGE,
    ),
    (
        "Andes Mining Corp.",
        "andes-mining.example",
        Region.AMERICAS,
        Plan.STANDARD,
        CompanySize.MEDIUM,
    ),
    (
        "Southern Cross Telecom",
        "southerncross-tel.example",
        Region.APAC,
        Plan.PREMIUM,
        CompanySize.LARGE,
    ),
    ("Kiwi Freight Ltd", "kiwi-freight.example", Region.APAC, Plan.BASIC, CompanySize.SMALL),
    (
        "Straits Capital Pte Ltd",
        "straits-capital.example",
        Region.APAC,
        Plan.ENTERPRISE,
        CompanySize.LARGE,
    ),
    (
        "Lotus Consumer Brands",
        "lotus-brands.example",
        Region.APAC,
        Plan.STANDARD,
        CompanySize.MEDIUM,
    ),
)
CUSTOMER1_ORG = "Northwind Logistics Inc."
CUSTOMER2_ORG = "Brightwater Energy Ltd"

REGION_TIME_ZONE = {
    Region.JAPAN: "Asia/Tokyo",
    Region.RUSSIA: "Europe/Moscow",
    Region.EMEA: "Europe/London",
    Region.AMERICAS: "America/New_York",
    Region.APAC: "Asia/Singapore",
}

# (name, tier, product area, language) — the teams that own the work.
SKILL_GROUPS: tuple[tuple[str, int, str, str], ...] = (
    ("Tier 1 / English", Tier.FRONT_LINE, "", Language.ENGLISH),
    ("Tier 1 / Japanese", Tier.FRONT_LINE, "", Language.JAPANESE),
    ("Tier 1 / Russian", Tier.FRONT_LINE, "", Language.RUSSIAN),
    ("Tier 2 / Query engine", Tier.BACK_LINE, "query_engine", ""),
    ("Tier 2 / Integrations", Tier.BACK_LINE, "integrations", ""),
    ("Tier 2 / Platform", Tier.BACK_LINE, "administration", ""),
    ("Engineering / Query engine", Tier.ENGINEERING, "query_engine", ""),
    ("Engineering / Platform", Tier.ENGINEERING, "administration", ""),
)
# Which back-line and engineering team owns each product area.
BACK_LINE_FOR_AREA = {
    "query_engine": "Tier 2 / Query engine",
    "dashboards": "Tier 2 / Query engine",
    "ingestion": "Tier 2 / Integrations",
    "integrations": "Tier 2 / Integrations",
    "api": "Tier 2 / Integrations",
    "administration": "Tier 2 / Platform",
    "billing": "Tier 2 / Platform",
    "security": "Tier 2 / Platform",
}
ENGINEERING_FOR_AREA = {
    "query_engine": "Engineering / Query engine",
    "dashboards": "Engineering / Query engine",
}
ENGINEERING_DEFAULT = "Engineering / Platform"

# (username, first, last, role, tier, groups, languages, time zone, extra)
STAFF: tuple[
    tuple[str, str, str, str, int | None, tuple[str, ...], tuple[str, ...], str, dict], ...
] = (
    (
        "admin",
        "Dana",
        "Whitfield",
        Role.ADMIN,
        None,
        (),
        ("en",),
        "Europe/London",
        {"is_staff": True, "is_superuser": True},
    ),
    ("manager1", "Grace", "Holloway", Role.MANAGER, None, (), ("en",), "Europe/London", {}),
    ("m.orlov", "Mikhail", "Orlov", Role.MANAGER, None, (), ("en", "ru"), "Europe/Berlin", {}),
    ("p.raman", "Priya", "Raman", Role.MANAGER, None, (), ("en",), "America/New_York", {}),
    ("m.yamamoto", "美咲", "山本", Role.MANAGER, None, (), ("ja", "en"), "Asia/Tokyo", {}),
    ("o.belova", "Ольга", "Белова", Role.MANAGER, None, (), ("ru", "en"), "Europe/Moscow", {}),
    ("t.becker", "Tom", "Becker", Role.REVIEWER, None, (), ("en",), "Europe/Berlin", {}),
    (
        "agent1",
        "Emma",
        "Clarke",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / English",),
        ("en",),
        "Europe/London",
        {},
    ),
    (
        "l.obrien",
        "Liam",
        "O'Brien",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / English",),
        ("en",),
        "Europe/Dublin",
        {},
    ),
    (
        "s.martins",
        "Sofia",
        "Martins",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / English",),
        ("en",),
        "America/New_York",
        {},
    ),
    (
        "n.fischer",
        "Noah",
        "Fischer",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / English",),
        ("en",),
        "America/Chicago",
        {},
    ),
    (
        "k.sato",
        "健太",
        "佐藤",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / Japanese",),
        ("ja", "en"),
        "Asia/Tokyo",
        {},
    ),
    (
        "a.suzuki",
        "彩",
        "鈴木",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / Japanese",),
        ("ja", "en"),
        "Asia/Tokyo",
        {},
    ),
    (
        "s.takahashi",
        "翔",
        "高橋",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / Japanese",),
        ("ja",),
        "Asia/Tokyo",
        {},
    ),
    (
        "a.smirnova",
        "Анна",
        "Смирнова",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / Russian",),
        ("ru", "en"),
        "Europe/Moscow",
        {},
    ),
    (
        "d.kozlov",
        "Дмитрий",
        "Козлов",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / Russian",),
        ("ru", "en"),
        "Europe/Moscow",
        {},
    ),
    (
        "e.popova",
        "Екатерина",
        "Попова",
        Role.AGENT,
        Tier.FRONT_LINE,
        ("Tier 1 / Russian",),
        ("ru",),
        "Asia/Yekaterinburg",
        {},
    ),
    (
        "agent2",
        "Rahul",
        "Mehta",
        Role.AGENT,
        Tier.BACK_LINE,
        ("Tier 2 / Query engine",),
        ("en",),
        "Europe/London",
        {},
    ),
    (
        "d.ito",
        "大輔",
        "伊藤",
        Role.AGENT,
        Tier.BACK_LINE,
        ("Tier 2 / Query engine",),
        ("ja", "en"),
        "Asia/Tokyo",
        {},
    ),
    (
        "s.volkov",
        "Сергей",
        "Волков",
        Role.AGENT,
        Tier.BACK_LINE,
        ("Tier 2 / Integrations",),
        ("ru", "en"),
        "Europe/Moscow",
        {},
    ),
    (
        "h.schmidt",
        "Hannah",
        "Schmidt",
        Role.AGENT,
        Tier.BACK_LINE,
        ("Tier 2 / Integrations",),
        ("en",),
        "Europe/Berlin",
        {},
    ),
    (
        "l.moreau",
        "Lucas",
        "Moreau",
        Role.AGENT,
        Tier.BACK_LINE,
        ("Tier 2 / Platform",),
        ("en",),
        "Europe/Paris",
        {},
    ),
    (
        "agent3",
        "Marta",
        "Kowalska",
        Role.AGENT,
        Tier.ENGINEERING,
        ("Engineering / Platform",),
        ("en",),
        "Europe/Warsaw",
        {},
    ),
    (
        "i.petrov",
        "Иван",
        "Петров",
        Role.AGENT,
        Tier.ENGINEERING,
        ("Engineering / Query engine",),
        ("ru", "en"),
        "Europe/Moscow",
        {},
    ),
    (
        "w.chen",
        "Wei",
        "Chen",
        Role.AGENT,
        Tier.ENGINEERING,
        ("Engineering / Query engine", "Engineering / Platform"),
        ("en",),
        "Asia/Singapore",
        {},
    ),
)
GROUP_MANAGERS = {"Tier 1": "manager1", "Tier 2": "m.orlov", "Engineering": "m.orlov"}
SUCCESS_MANAGER_FOR_REGION = {
    Region.JAPAN: "m.yamamoto",
    Region.RUSSIA: "o.belova",
    Region.EMEA: "manager1",
    Region.AMERICAS: "p.raman",
    Region.APAC: "p.raman",
}

# Given names and family names with their Latin spelling for e-mail addresses.
EN_FIRST = (
    "James",
    "Olivia",
    "Daniel",
    "Amelia",
    "Michael",
    "Isabella",
    "David",
    "Charlotte",
    "Ryan",
    "Mia",
    "Ethan",
    "Harper",
    "Samuel",
    "Chloe",
    "Lucas",
    "Zoe",
    "Oliver",
    "Grace",
    "Henry",
    "Lily",
    "Jack",
    "Nora",
    "Leo",
    "Ava",
    "Mateo",
    "Camila",
    "Arjun",
    "Mei",
    "Tomas",
    "Ines",
)
EN_LAST = (
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Baker",
    "Hall",
    "Lewis",
    "Young",
    "King",
    "Scott",
    "Morris",
    "Turner",
    "Reed",
    "Cooper",
    "Patel",
    "Nguyen",
    "Garcia",
    "Silva",
    "Novak",
    "Larsen",
    "Dubois",
    "Rossi",
    "Jensen",
    "Murphy",
)
JA_FIRST = (
    ("太郎", "taro"),
    ("花子", "hanako"),
    ("健一", "kenichi"),
    ("由美", "yumi"),
    ("直樹", "naoki"),
    ("恵", "megumi"),
    ("拓也", "takuya"),
    ("真由美", "mayumi"),
    ("浩二", "koji"),
    ("さくら", "sakura"),
    ("大樹", "daiki"),
    ("陽子", "yoko"),
    ("誠", "makoto"),
    ("舞", "mai"),
    ("隆", "takashi"),
)
JA_LAST = (
    ("田中", "tanaka"),
    ("渡辺", "watanabe"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("佐々木", "sasaki"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("林", "hayashi"),
    ("清水", "shimizu"),
    ("森", "mori"),
    ("池田", "ikeda"),
)
RU_MALE_FIRST = (
    ("Алексей", "aleksey"),
    ("Андрей", "andrey"),
    ("Максим", "maksim"),
    ("Николай", "nikolay"),
    ("Павел", "pavel"),
    ("Роман", "roman"),
    ("Артём", "artem"),
    ("Игорь", "igor"),
)
RU_FEMALE_FIRST = (
    ("Мария", "maria"),
    ("Елена", "elena"),
    ("Наталья", "natalya"),
    ("Татьяна", "tatyana"),
    ("Ирина", "irina"),
    ("Юлия", "yulia"),
    ("Светлана", "svetlana"),
    ("Дарья", "darya"),
)
# (masculine, feminine, Latin)
RU_LAST = (
    ("Иванов", "Иванова", "ivanov"),
    ("Кузнецов", "Кузнецова", "kuznetsov"),
    ("Соколов", "Соколова", "sokolov"),
    ("Лебедев", "Лебедева", "lebedev"),
    ("Новиков", "Новикова", "novikov"),
    ("Морозов", "Морозова", "morozov"),
    ("Фёдоров", "Фёдорова", "fedorov"),
    ("Васильев", "Васильева", "vasilyev"),
    ("Зайцев", "Зайцева", "zaytsev"),
    ("Павлов", "Павлова", "pavlov"),
    ("Егоров", "Егорова", "egorov"),
    ("Никитин", "Никитина", "nikitin"),
)

CONTACTS_PER_SIZE = {
    CompanySize.SMALL: (3, 4),
    CompanySize.MEDIUM: (5, 7),
    CompanySize.LARGE: (7, 10),
    CompanySize.ENTERPRISE: (10, 12),
}
REVENUE_PER_SIZE = {
    CompanySize.SMALL: (5, 60),
    CompanySize.MEDIUM: (60, 600),
    CompanySize.LARGE: (600, 6_000),
    CompanySize.ENTERPRISE: (6_000, 40_000),
}  # millions of USD


@dataclass
class Person:
    """A member of the cast as the seeder needs it: ids and the words that go into texts."""

    id: int
    username: str
    first: str
    last: str
    name: str
    language: str
    role: str = ""
    tier: int | None = None
    organization_id: int | None = None
    languages: tuple[str, ...] = ()


@dataclass
class Company:
    id: int
    name: str
    region: str
    plan: str
    size: str
    contacts: list[Person] = field(default_factory=list)


@dataclass
class Cast:
    """Everyone the seeder writes tickets for and with, loaded from the database."""

    companies: list[Company]
    staff: dict[str, Person]
    groups: dict[str, int]
    group_members: dict[str, list[Person]]


def _contact_specs(
    rng: random.Random, domain: str, region: str, size: str, taken: set[str]
) -> list[dict]:
    low, high = CONTACTS_PER_SIZE[size]
    specs = []
    for _ in range(rng.randint(low, high)):
        # Most contacts of a Japanese or Russian company write in their language; a few in English.
        language = {Region.JAPAN: Language.JAPANESE, Region.RUSSIA: Language.RUSSIAN}.get(
            region, Language.ENGLISH
        )
        if language != Language.ENGLISH and rng.random() < 0.12:
            language = Language.ENGLISH
        if region == Region.JAPAN and language == Language.JAPANESE:
            (first, first_latin), (last, last_latin) = rng.choice(JA_FIRST), rng.choice(JA_LAST)
        elif region == Region.RUSSIA and language == Language.RUSSIAN:
            female = rng.random() < 0.5
            first, first_latin = rng.choice(RU_FEMALE_FIRST if female else RU_MALE_FIRST)
            masculine, feminine, last_latin = rng.choice(RU_LAST)
            last = feminine if female else masculine
            if female:
                last_latin += "a"
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            first_latin, last_latin = first.lower(), last.lower()
        local = f"{first_latin}.{last_latin}"
        email = f"{local}@{domain}"
        suffix = 2
        while email in taken:
            email = f"{local}{suffix}@{domain}"
            suffix += 1
        taken.add(email)
        specs.append(
            {
                "username": email,
                "email": email,
                "first_name": first,
                "last_name": last,
                "language": language,
            }
        )
    return specs


@transaction.atomic
def cast_ensure(*, joined_at=None) -> Cast:
    """Creates the demo organizations, skill groups, staff and contacts that do not exist yet, and
    returns the whole cast with database ids. Safe to call on a desk that already has them."""
    rng = random.Random(CAST_SEED)
    password = make_password(DEMO_PASSWORD)

    existing_groups = {
        g.name: g for g in SkillGroup.objects.filter(name__in=[s[0] for s in SKILL_GROUPS])
    }
    for name, tier, area, language in SKILL_GROUPS:
        if name not in existing_groups:
            existing_groups[name] = SkillGroup.objects.create(
                name=name,
                tier=tier,
                product_area=area,
                language=language,
                description=f"Demo team: {name}.",
            )

    existing_users = set(User.objects.values_list("username", flat=True))
    new_staff = []
    for username, first, last, role, tier, _groups, languages, tz, extra in STAFF:
        if username in existing_users:
            continue
        person = User(
            username=username,
            email=f"{username}@{STAFF_DOMAIN}",
            first_name=first,
            last_name=last,
            role=role,
            tier=tier,
            languages=list(languages),
            time_zone=tz,
            password=password,
            language=languages[0] if languages[0] in Language.values else Language.ENGLISH,
            **extra,
        )
        if joined_at is not None:
            person.date_joined = joined_at
        new_staff.append(person)
    User.objects.bulk_create(new_staff)
    staff_ids = dict(
        User.objects.filter(username__in=[s[0] for s in STAFF]).values_list("username", "id")
    )
    memberships = [
        User.skill_groups.through(user_id=staff_ids[s[0]], skillgroup_id=existing_groups[g].pk)
        for s in STAFF
        if s[0] in {p.username for p in new_staff}
        for g in s[5]
    ]
    User.skill_groups.through.objects.bulk_create(memberships, ignore_conflicts=True)
    for name, group in existing_groups.items():
        manager = GROUP_MANAGERS[name.split(" / ")[0]]
        if group.manager_id is None:
            group.manager_id = staff_ids[manager]
            group.save(update_fields=["manager"])

    existing_orgs = {
        o.name: o for o in Organization.objects.filter(name__in=[o[0] for o in ORGANIZATIONS])
    }
    taken: set[str] = set()
    new_contacts: list[User] = []
    for name, domain, region, plan, size in ORGANIZATIONS:
        low, high = REVENUE_PER_SIZE[size]
        revenue = Decimal(rng.randint(low, high)) * 1_000_000
        specs = _contact_specs(rng, domain, region, size, taken)
        if name == CUSTOMER1_ORG:
            specs.insert(
                0,
                {
                    "username": "customer1",
                    "email": f"chris.miller@{domain}",
                    "first_name": "Chris",
                    "last_name": "Miller",
                    "language": Language.ENGLISH,
                },
            )
        if name == CUSTOMER2_ORG:
            specs.insert(
                0,
                {
                    "username": "customer2",
                    "email": f"sophie.turner@{domain}",
                    "first_name": "Sophie",
                    "last_name": "Turner",
                    "language": Language.ENGLISH,
                },
            )
        organization = existing_orgs.get(name)
        if organization is None:
            organization = Organization.objects.create(
                name=name,
                email_domains=[domain],
                plan=plan,
                region=region,
                size=size,
                annual_revenue=revenue,
                success_manager_id=staff_ids[SUCCESS_MANAGER_FOR_REGION[region]],
            )
            existing_orgs[name] = organization
        for spec in specs:
            if spec["username"] in existing_users:
                continue
            contact = User(
                role=Role.CUSTOMER,
                organization=organization,
                region=region,
                time_zone=REGION_TIME_ZONE[region],
                languages=[spec["language"]],
                password=password,
                **spec,
            )
            if joined_at is not None:
                contact.date_joined = joined_at
            new_contacts.append(contact)
    User.objects.bulk_create(new_contacts)
    if joined_at is not None:
        Organization.objects.filter(pk__in=[o.pk for o in existing_orgs.values()]).update(
            created_at=joined_at
        )
    return cast_load()


def cast_load() -> Cast:
    """The demo cast as stored; raises LookupError when the desk has no demo cast."""
    groups = dict(
        SkillGroup.objects.filter(name__in=[s[0] for s in SKILL_GROUPS]).values_list("name", "id")
    )
    if len(groups) != len(SKILL_GROUPS):
        raise LookupError("The demo skill groups are missing.")
    staff: dict[str, Person] = {}
    for user in User.objects.filter(username__in=[s[0] for s in STAFF]):
        staff[user.username] = Person(
            user.pk,
            user.username,
            user.first_name,
            user.last_name,
            user.display_name,
            user.language,
            user.role,
            user.tier,
            languages=tuple(user.languages or [user.language]),
        )
    members: dict[str, list[Person]] = {name: [] for name in groups}
    by_group = {name: [s[0] for s in STAFF if name in s[5]] for name in groups}
    for name, usernames in by_group.items():
        members[name] = [staff[u] for u in usernames if u in staff]
    companies = []
    organizations = Organization.objects.filter(name__in=[o[0] for o in ORGANIZATIONS]).order_by(
        "pk"
    )
    contacts_by_org: dict[int, list[Person]] = {}
    for user in User.objects.filter(
        organization__in=organizations, role=Role.CUSTOMER, is_active=True
    ).order_by("pk"):
        contacts_by_org.setdefault(user.organization_id, []).append(
            Person(
                user.pk,
                user.username,
                user.first_name,
                user.last_name,
                user.display_name,
                user.language,
                user.role,
                None,
                user.organization_id,
            )
        )
    order = {o[0]: i for i, o in enumerate(ORGANIZATIONS)}
    for org in sorted(organizations, key=lambda o: order[o.name]):
        companies.append(
            Company(
                org.pk, org.name, org.region, org.plan, org.size, contacts_by_org.get(org.pk, [])
            )
        )
    return Cast(companies=companies, staff=staff, groups=groups, group_members=members)
