# ruff: noqa: RUF001 - the texts are Japanese and Russian on purpose.
"""What the demo desk's people write: ticket scenarios and replies in English, Japanese and Russian.

Texts are str.format templates. Placeholders are filled per ticket from `VALUES` (product
details) and from the people involved (first, last, name, company, agent, agent_last).
"""

from __future__ import annotations

from dataclasses import dataclass

PRODUCT = "Lumora"

# Values a template may name; one is drawn per ticket, so a ticket's thread stays consistent.
VALUES: dict[str, tuple[str, ...]] = {
    "version": ("8.0.4", "8.1.0", "8.1.2", "8.1.3", "7.6.9", "8.1.3", "8.0.4"),
    "prev_version": ("7.6.9", "8.0.4", "7.6.8"),
    "fix_version": ("8.1.4", "8.2.0", "8.1.5"),
    "table": (
        "sales.orders",
        "sales.order_items",
        "crm.accounts",
        "events.page_views",
        "finance.ledger_entries",
        "inventory.stock_moves",
        "telemetry.device_metrics",
        "billing.invoices",
        "logistics.shipments",
    ),
    "table2": (
        "crm.customers",
        "sales.returns",
        "finance.fx_rates",
        "events.sessions",
        "inventory.warehouses",
        "marketing.campaigns",
        "hr.cost_centers",
    ),
    "sql": (
        "SELECT c.region, sum(o.amount) AS revenue\nFROM sales.orders o\nJOIN crm.customers c ON c.id = o.customer_id\n"
        "WHERE o.order_date >= DATE '2024-01-01'\nGROUP BY c.region\nORDER BY revenue DESC",
        "SELECT device_id, date_trunc('hour', ts) AS hour, avg(temperature), max(pressure)\n"
        "FROM telemetry.device_metrics\nWHERE ts > now() - INTERVAL '30 days'\nGROUP BY 1, 2\nORDER BY 1, 2",
        "SELECT s.session_id, count(*) AS views\nFROM events.page_views v\n"
        "JOIN events.sessions s USING (session_id)\nWHERE v.url LIKE '%/checkout%'\nGROUP BY s.session_id",
        "SELECT account_id, currency, sum(debit) - sum(credit) AS balance\nFROM finance.ledger_entries\n"
        "WHERE posting_date BETWEEN '2024-01-01' AND '2024-03-31'\nGROUP BY account_id, currency",
        "SELECT w.name, m.sku, sum(m.quantity)\nFROM inventory.stock_moves m\n"
        "JOIN inventory.warehouses w ON w.id = m.warehouse_id\nGROUP BY w.name, m.sku\nHAVING sum(m.quantity) < 0",
    ),
    "minutes": tuple(str(n) for n in (7, 12, 18, 25, 35, 40, 55, 70, 95)),
    "rows": tuple(str(n) for n in (2, 3, 5, 8, 12, 20, 45, 80, 150)),
    "n": tuple(str(n) for n in (17, 212, 1_048, 9_731, 48_112, 130_577, 2_406_118)),
    "count": tuple(str(n) for n in (3, 5, 7, 12, 18, 26, 41)),
    "seats": tuple(str(n) for n in (25, 40, 60, 120, 250, 500)),
    "cluster": (
        "prod-eu-1",
        "prod-us-east",
        "analytics-prod",
        "dwh-main",
        "prod-ap-1",
        "prod-tokyo-1",
        "bi-prod",
    ),
    "tool": ("Tableau", "Power BI", "Looker", "Excel", "Superset"),
    "idp": ("Okta", "Microsoft Entra ID", "Keycloak", "Google Workspace", "OneLogin"),
    "dashboard": (
        "Sales KPI",
        "Weekly Revenue",
        "Churn Overview",
        "Warehouse Throughput",
        "Cash Position",
        "Fleet Health",
    ),
    "topic": ("orders", "clickstream", "device-telemetry", "payments", "shipments"),
    "time": (
        "02:10 UTC",
        "05:45 UTC",
        "07:30 UTC",
        "09:05 UTC",
        "13:20 UTC",
        "16:55 UTC",
        "21:40 UTC",
    ),
    "tz": (
        "Europe/London",
        "America/New_York",
        "Europe/Berlin",
        "America/Chicago",
        "Australia/Sydney",
    ),
    "kb": tuple(str(n) for n in (1021, 1187, 1342, 1560, 2044, 2391, 2718, 3105, 3377, 4012)),
    "eng": tuple(str(n) for n in (10422, 11873, 12055, 12990, 13402, 14118, 15067)),
    "fr": tuple(str(n) for n in (311, 342, 388, 405, 467, 512)),
    "pct": ("92", "95", "97", "99"),
}


# Each region's customers run their own clusters and think in their own time zone.
REGION_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "japan": {"cluster": ("prod-tokyo-1", "dwh-main", "analytics-prod"), "tz": ("Asia/Tokyo",)},
    "russia": {"cluster": ("prod-msk-1", "dwh-main", "bi-prod"), "tz": ("Europe/Moscow",)},
    "emea": {
        "cluster": ("prod-eu-1", "prod-eu-2", "analytics-prod"),
        "tz": ("Europe/London", "Europe/Berlin"),
    },
    "americas": {
        "cluster": ("prod-us-east", "prod-us-west", "bi-prod"),
        "tz": ("America/New_York", "America/Chicago"),
    },
    "apac": {
        "cluster": ("prod-ap-1", "prod-syd-1", "analytics-prod"),
        "tz": ("Asia/Singapore", "Australia/Sydney"),
    },
}


def values_for_region(region: str) -> dict[str, tuple[str, ...]]:
    return {**VALUES, **REGION_VALUES.get(region, {})}


@dataclass(frozen=True)
class Scenario:
    """One kind of request: its type and product area, and per language its subject, the
    customer's first message and the answer that solves it.

    Types mean what they mean on a Zendesk desk: a question asks how to use the product, a problem
    is a defect in the product, an incident is one customer's occurrence of an error or failure
    (`outage` when it stops their production), a feature request asks for something new."""

    key: str
    type: str
    area: str
    tags: tuple[str, ...]
    subject: dict[str, str]
    body: dict[str, str]
    answer: dict[str, str]
    outage: bool = False

    @property
    def kind(self) -> str:
        """How the desk works it: its type, except that an outage is worked as one."""
        return "outage" if self.outage else self.type


QUALIFY_SQL = (
    "SELECT customer_id, order_id,\n       row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn\n"
    "FROM sales.orders\nQUALIFY rn = 1"
)
SUBQUERY_SQL = (
    "SELECT * FROM (\n  SELECT customer_id, order_id,\n"
    "         row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn\n"
    "  FROM sales.orders\n) t\nWHERE rn = 1"
)
OOM_TRACE = (
    "java.lang.OutOfMemoryError: Java heap space\n"
    "    at com.lumora.exec.HashAggregator.grow(HashAggregator.java:212)\n"
    "    at com.lumora.exec.HashAggregator.add(HashAggregator.java:148)"
)

SCENARIOS: tuple[Scenario, ...] = (
    # --- questions: how to use the product --------------------------------------------------
    Scenario(
        "join_speed",
        "question",
        "query_engine",
        ("performance", "sql"),
        subject={
            "en": "How can we speed up the join between {table} and {table2}?",
            "ja": "{table} と {table2} の結合クエリを高速化する方法について",
            "ru": "Как ускорить соединение {table} и {table2}?",
        },
        body={
            "en": "Our nightly report runs the query below and takes about {minutes} minutes on {version}:\n\n{sql}\n\n"
            "Is there a recommended way to make it faster, for example a different join order, a partitioning key "
            "or a materialized view?",
            "ja": "夜間バッチで以下のクエリを実行していますが、{version} で約{minutes}分かかっています。\n\n{sql}\n\n"
            "結合順序の変更、パーティションキーの追加、マテリアライズドビューの利用など、推奨される高速化の方法はありますでしょうか。",
            "ru": "Ночной отчёт выполняет запрос ниже, и на версии {version} он работает около {minutes} минут:\n\n{sql}\n\n"
            "Подскажите, как его можно ускорить: поменять порядок соединения, добавить ключ партиционирования "
            "или использовать материализованное представление?",
        },
        answer={
            "en": "The query profile shows that most of the time goes into the hash join, because {table2} is used as "
            "the build side. Two changes should help:\n\n1. Add a filter on the partition column so that only the "
            "needed partitions are scanned.\n2. Create a materialized view with the pre-aggregated figures and refresh "
            "it after the nightly load.\n\nWith the sample data we tested, the run time went from {minutes} minutes to "
            "under one minute. The steps are described in KB-{kb}.",
            "ja": "クエリプロファイルを確認したところ、{table2} がハッシュ結合のビルド側になっており、処理時間の大半がそこに費やされていました。"
            "以下の2点をお試しください。\n\n1. パーティション列に条件を追加し、必要なパーティションのみをスキャンする。\n"
            "2. 集計済みの値を持つマテリアライズドビューを作成し、夜間ロード後にリフレッシュする。\n\n"
            "弊社の検証環境では、実行時間が{minutes}分から1分未満に短縮されました。手順は KB-{kb} に記載しております。",
            "ru": "По профилю запроса видно, что основное время уходит на hash join: {table2} используется как "
            "build-сторона. Помогут два изменения:\n\n1. Добавьте условие по столбцу партиционирования, чтобы читались "
            "только нужные партиции.\n2. Создайте материализованное представление с предагрегированными данными и "
            "обновляйте его после ночной загрузки.\n\nНа тестовых данных время выполнения сократилось с {minutes} минут "
            "до менее чем одной минуты. Подробно шаги описаны в статье KB-{kb}.",
        },
    ),
    Scenario(
        "window_qualify",
        "question",
        "query_engine",
        ("sql", "migration"),
        subject={
            "en": "Filtering on a window function result (QUALIFY) in {version}",
            "ja": "{version} でウィンドウ関数の結果を絞り込む方法（QUALIFY）",
            "ru": "Фильтрация по результату оконной функции (QUALIFY) в {version}",
        },
        body={
            "en": "We are migrating reports from another warehouse that supports QUALIFY. Is there an equivalent in "
            "{version}? Example:\n\n" + QUALIFY_SQL,
            "ja": "QUALIFY 句に対応した他社 DWH からレポートを移行しています。{version} で同等のことを行う方法はありますか。例：\n\n"
            + QUALIFY_SQL,
            "ru": "Переносим отчёты из другого хранилища, где есть QUALIFY. Есть ли аналог в {version}? Пример:\n\n"
            + QUALIFY_SQL,
        },
        answer={
            "en": "QUALIFY is supported from 8.1 onwards. On {version} you can wrap the window function in a subquery "
            "and filter in the outer query:\n\n"
            + SUBQUERY_SQL
            + "\n\nThe optimizer pushes the filter down, so "
            "performance is the same.",
            "ja": "QUALIFY 句は 8.1 以降でサポートしております。{version} では、ウィンドウ関数をサブクエリ内に記述し、"
            "外側のクエリで絞り込んでください。\n\n"
            + SUBQUERY_SQL
            + "\n\nオプティマイザが条件をプッシュダウンするため、性能は同等です。",
            "ru": "QUALIFY поддерживается начиная с 8.1. В {version} оберните оконную функцию в подзапрос и "
            "отфильтруйте во внешнем запросе:\n\n"
            + SUBQUERY_SQL
            + "\n\nОптимизатор проталкивает фильтр вниз, так "
            "что производительность не пострадает.",
        },
    ),
    Scenario(
        "bulk_batch",
        "question",
        "ingestion",
        ("bulk_load",),
        subject={
            "en": "Recommended batch size for bulk loading into {table}",
            "ja": "{table} へのバルクロード時の推奨バッチサイズ",
            "ru": "Рекомендуемый размер пакета для массовой загрузки в {table}",
        },
        body={
            "en": "We load about {rows} million rows a day into {table} through the bulk API. What batch size and "
            "number of parallel loaders do you recommend? At the moment we send 10,000 rows per request from 4 threads.",
            "ja": "バルク API 経由で {table} に1日あたり約{rows}00万行をロードしています。推奨されるバッチサイズと並列ロード数を"
            "教えていただけますか。現在は1リクエストあたり1万行を4スレッドで送信しています。",
            "ru": "Загружаем в {table} около {rows} млн строк в день через bulk API. Какой размер пакета и сколько "
            "параллельных загрузчиков вы рекомендуете? Сейчас отправляем по 10 000 строк в запросе из 4 потоков.",
        },
        answer={
            "en": "For a table of that size we recommend batches of 50,000–100,000 rows and no more than 2 parallel "
            "loaders per node, so the background merge can keep up. Also make sure the files are sorted by the "
            "partition key; this reduces the number of small parts. Details are in KB-{kb}.",
            "ja": "このデータ量であれば、1バッチあたり5万〜10万行、並列ロードはノードあたり2本までを推奨いたします。"
            "これによりバックグラウンドのマージ処理が追いつけるようになります。また、ファイルをパーティションキー順に"
            "ソートしておくと、小さなパートの数を減らせます。詳細は KB-{kb} をご参照ください。",
            "ru": "Для такого объёма рекомендуем пакеты по 50–100 тысяч строк и не больше двух параллельных "
            "загрузчиков на узел, чтобы фоновое слияние успевало. Также стоит сортировать файлы по ключу "
            "партиционирования — так образуется меньше мелких частей. Подробнее в статье KB-{kb}.",
        },
    ),
    Scenario(
        "sso_setup",
        "question",
        "integrations",
        ("sso", "saml"),
        subject={
            "en": "How do we set up SAML single sign-on with {idp}?",
            "ja": "{idp} との SAML シングルサインオンの設定方法",
            "ru": "Как настроить SAML SSO через {idp}?",
        },
        body={
            "en": "We would like our users to sign in through {idp}. Which attributes does Lumora expect in the SAML "
            "assertion, and can we map {idp} groups to Lumora roles?",
            "ja": "社内のユーザーが {idp} 経由でログインできるようにしたいと考えております。SAML アサーションで必要な属性と、"
            "{idp} のグループを Lumora のロールに対応付ける方法を教えてください。",
            "ru": "Хотим, чтобы пользователи входили через {idp}. Какие атрибуты Lumora ожидает в SAML-утверждении и "
            "можно ли сопоставить группы {idp} с ролями Lumora?",
        },
        answer={
            "en": "Lumora expects the NameID to be the e-mail address and optionally the attributes firstName, "
            "lastName and groups. Group mapping is configured under Administration → Authentication → Role mapping: "
            "each {idp} group name can be mapped to a role. A step-by-step guide for {idp} is in KB-{kb}.",
            "ja": "NameID にはメールアドレスを設定してください。任意で firstName、lastName、groups 属性もご利用いただけます。"
            "グループの対応付けは「管理 → 認証 → ロールマッピング」で設定でき、{idp} のグループ名ごとにロールを割り当てられます。"
            "{idp} 向けの詳しい手順は KB-{kb} にございます。",
            "ru": "В NameID должен передаваться адрес электронной почты, дополнительно можно передавать атрибуты "
            "firstName, lastName и groups. Сопоставление групп настраивается в разделе «Администрирование → "
            "Аутентификация → Сопоставление ролей»: каждой группе {idp} можно назначить роль. Пошаговая инструкция "
            "для {idp} — в статье KB-{kb}.",
        },
    ),
    Scenario(
        "schedule_export",
        "question",
        "dashboards",
        ("export", "schedule"),
        subject={
            "en": "Can the {dashboard} dashboard be e-mailed as PDF every Monday?",
            "ja": "{dashboard} ダッシュボードを毎週月曜日に PDF でメール配信できますか",
            "ru": "Можно ли отправлять дашборд {dashboard} в PDF каждый понедельник?",
        },
        body={
            "en": "Our management wants the {dashboard} dashboard in their inbox every Monday at 8:00 local time. Is "
            "this possible without a script, and can the filters be fixed to the previous week?",
            "ja": "経営層より、{dashboard} ダッシュボードを毎週月曜日の朝8時に受け取りたいという要望がございます。スクリプトを"
            "使わずに設定できますでしょうか。また、フィルタを前週に固定することは可能でしょうか。",
            "ru": "Руководство хочет получать дашборд {dashboard} на почту каждый понедельник в 8:00 по местному "
            "времени. Можно ли настроить это без скриптов и зафиксировать фильтр на прошлую неделю?",
        },
        answer={
            "en": "Yes. Open the dashboard, choose Share → Schedule delivery, select PDF and a weekly schedule for "
            "Monday 08:00 in your time zone. For the filters, use the relative date range “Last week”, which is "
            "evaluated at delivery time. Recipients outside your organization need to be allowed by an "
            "administrator first.",
            "ja": "はい、可能です。ダッシュボードを開き、「共有 → 配信スケジュール」から PDF 形式、毎週月曜日 8:00（貴社の"
            "タイムゾーン）を選択してください。フィルタには相対期間「先週」をご利用いただくと、配信時点で評価されます。"
            "社外の宛先に送信する場合は、事前に管理者による許可が必要です。",
            "ru": "Да. Откройте дашборд, выберите «Поделиться → Расписание рассылки», формат PDF и еженедельное "
            "расписание на понедельник 08:00 в вашем часовом поясе. Для фильтров используйте относительный период "
            "«Прошлая неделя» — он вычисляется в момент отправки. Получателей вне вашей организации сначала должен "
            "разрешить администратор.",
        },
    ),
    Scenario(
        "api_pagination",
        "question",
        "api",
        ("rest_api", "sdk"),
        subject={
            "en": "Pagination of /v2/queries results in the REST API",
            "ja": "REST API の /v2/queries の結果のページングについて",
            "ru": "Постраничная выдача результатов /v2/queries в REST API",
        },
        body={
            "en": "When we call GET /v2/queries/{{id}}/results we only get the first 1,000 rows. How do we fetch the "
            "rest? We use the Python SDK {version}.",
            "ja": "GET /v2/queries/{{id}}/results を呼び出すと、最初の1,000行しか取得できません。残りの行を取得する方法を"
            "教えてください。Python SDK {version} を使用しています。",
            "ru": "При вызове GET /v2/queries/{{id}}/results получаем только первые 1000 строк. Как получить "
            "остальные? Используем Python SDK {version}.",
        },
        answer={
            "en": "Results are paged: each response has a next_page_token field. Pass it as page_token in the next "
            "call until it is empty. In the Python SDK, iterate over client.queries.results(query_id) — the iterator "
            "follows the tokens for you. The maximum page size is 10,000 rows (page_size parameter).",
            "ja": "結果はページ単位で返されます。各レスポンスに next_page_token が含まれますので、空になるまで次の呼び出しの "
            "page_token に指定してください。Python SDK では client.queries.results(query_id) をイテレートすると、"
            "トークンを自動的にたどります。1ページの最大行数は10,000行です（page_size パラメータ）。",
            "ru": "Результаты отдаются постранично: в каждом ответе есть поле next_page_token. Передавайте его как "
            "page_token в следующий вызов, пока оно не станет пустым. В Python SDK достаточно итерироваться по "
            "client.queries.results(query_id) — итератор сам переходит по токенам. Максимальный размер страницы — "
            "10 000 строк (параметр page_size).",
        },
    ),
    Scenario(
        "readonly_role",
        "question",
        "administration",
        ("permissions",),
        subject={
            "en": "Read-only access for the finance team",
            "ja": "経理チーム向けの参照専用アクセス権について",
            "ru": "Доступ только на чтение для финансового отдела",
        },
        body={
            "en": "We need to give {seats} people in our finance team read-only access to the {dashboard} dashboard "
            "and the finance schema, without letting them run ad-hoc queries. What is the best way to do this?",
            "ja": "経理チームの{seats}名に、{dashboard} ダッシュボードと finance スキーマへの参照専用アクセスを付与したいと"
            "考えております。アドホッククエリは実行できないようにしたいのですが、最適な方法を教えてください。",
            "ru": "Нужно дать {seats} сотрудникам финансового отдела доступ только на чтение к дашборду {dashboard} "
            "и схеме finance, но без возможности выполнять произвольные запросы. Как лучше это сделать?",
        },
        answer={
            "en": "Create a role with the Viewer permission set, grant it USAGE on the finance schema and add the "
            "dashboard to a folder shared with that role. Viewers can open dashboards and apply filters but cannot "
            "open the SQL editor. If you manage users through your identity provider, map the group to the new role "
            "so new team members get access automatically.",
            "ja": "Viewer 権限セットを持つロールを作成し、finance スキーマに対する USAGE 権限を付与したうえで、ダッシュボードを"
            "そのロールと共有したフォルダに配置してください。Viewer はダッシュボードの閲覧とフィルタ操作はできますが、"
            "SQL エディタは開けません。ID プロバイダでユーザーを管理されている場合は、グループを新しいロールにマッピング"
            "していただくと、新しいメンバーにも自動で権限が付与されます。",
            "ru": "Создайте роль с набором прав Viewer, выдайте ей USAGE на схему finance и поместите дашборд в "
            "папку, открытую для этой роли. Пользователи с ролью Viewer могут открывать дашборды и менять фильтры, "
            "но не имеют доступа к SQL-редактору. Если пользователи управляются через провайдера удостоверений, "
            "сопоставьте группу с новой ролью — тогда новые сотрудники будут получать доступ автоматически.",
        },
    ),
    Scenario(
        "license_seats",
        "question",
        "billing",
        ("licence",),
        subject={
            "en": "How are named-user seats counted on our licence?",
            "ja": "ネームドユーザーライセンスのカウント方法について",
            "ru": "Как считаются именные лицензии?",
        },
        body={
            "en": "Our licence covers {seats} named users and the admin page shows we are close to the limit. Do "
            "deactivated users and service accounts count as seats? We would like to avoid buying more seats than "
            "we need.",
            "ja": "弊社のライセンスは{seats}ユーザー分ですが、管理画面では上限に近づいていると表示されています。無効化した"
            "ユーザーやサービスアカウントもカウント対象になりますでしょうか。必要以上にライセンスを追加購入することは"
            "避けたいと考えております。",
            "ru": "Наша лицензия рассчитана на {seats} именных пользователей, и в админке видно, что мы близки к "
            "лимиту. Учитываются ли отключённые пользователи и сервисные учётные записи? Не хотелось бы докупать "
            "лишние лицензии.",
        },
        answer={
            "en": "Deactivated users do not count; service accounts that only use API tokens do not count either. "
            "Seats are recalculated nightly, so a user you deactivate today is released tomorrow. You can see the "
            "current count per role under Administration → Licence. If you expect to grow, your account manager can "
            "prepare a quote with a volume discount.",
            "ja": "無効化されたユーザーはカウントされません。API トークンのみを使用するサービスアカウントも対象外です。"
            "ライセンス数は毎晩再計算されますので、本日無効化したユーザーは翌日に解放されます。ロール別の現在の利用数は"
            "「管理 → ライセンス」でご確認いただけます。今後ユーザー数の増加が見込まれる場合は、担当営業よりボリューム"
            "ディスカウントを含めたお見積りをご案内いたします。",
            "ru": "Отключённые пользователи не учитываются, как и сервисные учётные записи, работающие только через "
            "API-токены. Количество лицензий пересчитывается каждую ночь, поэтому пользователь, отключённый сегодня, "
            "освободит место завтра. Текущее число по ролям видно в разделе «Администрирование → Лицензия». Если "
            "ожидается рост, ваш менеджер подготовит предложение со скидкой за объём.",
        },
    ),
    Scenario(
        "soc2",
        "question",
        "security",
        ("compliance",),
        subject={
            "en": "Request for SOC 2 Type II report and penetration test summary",
            "ja": "SOC 2 Type II レポートおよびペネトレーションテスト結果のご提供のお願い",
            "ru": "Запрос отчёта SOC 2 Type II и результатов пентеста",
        },
        body={
            "en": "Our security team is doing the annual vendor review. Could you send us the latest SOC 2 Type II "
            "report and a summary of the most recent penetration test? We can sign an NDA if needed.",
            "ja": "弊社セキュリティ部門にて年次の委託先評価を実施しております。最新の SOC 2 Type II レポートと、直近の"
            "ペネトレーションテストの概要をご提供いただけますでしょうか。必要であれば NDA を締結いたします。",
            "ru": "Наша служба безопасности проводит ежегодную проверку поставщиков. Пришлите, пожалуйста, "
            "актуальный отчёт SOC 2 Type II и краткие итоги последнего теста на проникновение. При необходимости "
            "готовы подписать NDA.",
        },
        answer={
            "en": "The SOC 2 Type II report for the last period and the executive summary of this year's "
            "penetration test are available in the Trust Center after accepting the NDA online. I have enabled "
            "access for your account; the documents are under Trust Center → Reports. Let us know if your "
            "questionnaire has items these documents do not cover.",
            "ja": "直近期間の SOC 2 Type II レポートと、本年度のペネトレーションテストのエグゼクティブサマリーは、オンラインで "
            "NDA にご同意いただいたうえで Trust Center からダウンロードいただけます。貴社アカウントにアクセス権を付与"
            "いたしましたので、「Trust Center → レポート」よりご確認ください。チェックシートにこれらの資料で網羅されない"
            "項目がございましたら、お知らせください。",
            "ru": "Отчёт SOC 2 Type II за последний период и краткое резюме пентеста этого года доступны в Trust "
            "Center после принятия NDA онлайн. Мы открыли доступ для вашей учётной записи: документы находятся в "
            "разделе «Trust Center → Отчёты». Если в вашем опроснике есть пункты, которые эти документы не "
            "покрывают, напишите нам.",
        },
    ),
    Scenario(
        "import_timezone",
        "question",
        "ingestion",
        ("csv", "time_zone"),
        subject={
            "en": "Which time zone is used for timestamps without an offset on import?",
            "ja": "インポート時のタイムスタンプのタイムゾーンについて",
            "ru": "В каком часовом поясе читаются метки времени при импорте?",
        },
        body={
            "en": "We import CSV files from our ERP where timestamps have no time zone, e.g. 2024-03-31 02:30:00. "
            "Which time zone does Lumora assume, and can we set it per pipeline?",
            "ja": "ERP から出力した CSV をインポートしていますが、タイムスタンプにタイムゾーンが含まれていません"
            "（例：2024-03-31 02:30:00）。Lumora はどのタイムゾーンとして解釈しますか。また、パイプラインごとに指定できますか。",
            "ru": "Импортируем CSV из ERP, где метки времени без часового пояса, например 2024-03-31 02:30:00. В "
            "каком поясе их интерпретирует Lumora и можно ли задать пояс для отдельного конвейера?",
        },
        answer={
            "en": "Timestamps without an offset are read as UTC unless the pipeline sets source_time_zone. Set it in "
            "the pipeline's Format tab (for example {tz}); local times that fall into a daylight-saving gap are moved "
            "forward by one hour and counted in the load report.",
            "ja": "オフセットのないタイムスタンプは、パイプラインで source_time_zone が設定されていない限り UTC として読み込まれます。"
            "パイプラインの「フォーマット」タブで設定してください（例：Asia/Tokyo）。夏時間の切り替えで存在しない時刻は"
            "1時間後ろにずらされ、その件数はロードレポートに記録されます。",
            "ru": "Метки времени без смещения читаются как UTC, если в конвейере не задан параметр "
            "source_time_zone. Укажите его на вкладке «Формат» конвейера (например, Europe/Moscow). Время, "
            "попадающее в «дыру» при переходе на летнее время, сдвигается на час вперёд, а число таких строк "
            "отражается в отчёте о загрузке.",
        },
    ),
    # --- problems: defects in the product ------------------------------------------------------
    Scenario(
        "timeout_upgrade",
        "problem",
        "query_engine",
        ("upgrade", "timeout"),
        subject={
            "en": "ERR_QUERY_TIMEOUT on {dashboard} queries after upgrade to {version}",
            "ja": "{version} へのアップグレード後、{dashboard} のクエリで ERR_QUERY_TIMEOUT が発生",
            "ru": "ERR_QUERY_TIMEOUT в запросах дашборда {dashboard} после обновления до {version}",
        },
        body={
            "en": "Since we upgraded {cluster} from {prev_version} to {version}, several queries behind the "
            "{dashboard} dashboard fail with:\n\nERR_QUERY_TIMEOUT: query exceeded statement_timeout (300 s)\n\n"
            "The same queries took under 20 seconds before the upgrade. Nothing else changed on our side.",
            "ja": "{cluster} を {prev_version} から {version} にアップグレードして以降、{dashboard} ダッシュボードの複数の"
            "クエリが以下のエラーで失敗するようになりました。\n\nERR_QUERY_TIMEOUT: query exceeded statement_timeout "
            "(300 s)\n\nアップグレード前は同じクエリが20秒以内に完了していました。弊社側ではその他の変更は行っておりません。",
            "ru": "После обновления {cluster} с {prev_version} до {version} часть запросов дашборда {dashboard} "
            "падает с ошибкой:\n\nERR_QUERY_TIMEOUT: query exceeded statement_timeout (300 s)\n\nДо обновления "
            "эти же запросы выполнялись меньше чем за 20 секунд. С нашей стороны больше ничего не менялось.",
        },
        answer={
            "en": "Thank you for the profiles. In {version} the planner no longer uses the statistics collected "
            "before the upgrade, so it chose a nested-loop join for these queries. Please run ANALYZE on {table} and "
            "{table2}; the plans go back to hash joins and the queries finish in seconds again. We have added a note "
            "about this to the upgrade guide.",
            "ja": "クエリプロファイルのご提供ありがとうございました。{version} ではアップグレード前に収集された統計情報が"
            "プランナーで利用されないため、これらのクエリでネステッドループ結合が選択されていました。{table} と {table2} "
            "に対して ANALYZE を実行してください。ハッシュ結合に戻り、数秒で完了するようになります。この点はアップグレード"
            "ガイドにも追記いたしました。",
            "ru": "Спасибо за профили запросов. В {version} планировщик не использует статистику, собранную до "
            "обновления, поэтому для этих запросов он выбрал nested loop. Выполните ANALYZE для {table} и {table2} "
            "— планы вернутся к hash join, и запросы снова будут выполняться за секунды. Мы добавили это замечание "
            "в руководство по обновлению.",
        },
    ),
    Scenario(
        "coordinator_oom",
        "problem",
        "query_engine",
        ("memory", "crash"),
        subject={
            "en": "Coordinator crashes with java.lang.OutOfMemoryError during large aggregation",
            "ja": "大規模集計中にコーディネーターが java.lang.OutOfMemoryError で停止する",
            "ru": "Координатор падает с java.lang.OutOfMemoryError при большой агрегации",
        },
        body={
            "en": "The coordinator node of {cluster} restarted twice today. The log ends with:\n\n"
            + OOM_TRACE
            + "\n\nIt seems to happen when this query runs:\n\n{sql}",
            "ja": "本日、{cluster} のコーディネーターノードが2回再起動しました。ログの末尾は以下のとおりです。\n\n"
            + OOM_TRACE
            + "\n\n以下のクエリの実行時に発生しているようです。\n\n{sql}",
            "ru": "Сегодня координатор {cluster} дважды перезапускался. Лог заканчивается так:\n\n"
            + OOM_TRACE
            + "\n\nПохоже, это происходит при выполнении запроса:\n\n{sql}",
        },
        answer={
            "en": "The aggregation has a very high number of groups, and with the default settings of your cluster "
            "its final merge runs entirely on the coordinator. Please set distributed_aggregation = on for this "
            "workload, which moves the merge to the workers. We also recommend raising coordinator_heap to 16 GB on "
            "{cluster}. The memory accounting for this case is improved in {fix_version}.",
            "ja": "この集計はグループ数が非常に多く、貴社クラスタの既定の設定では最終マージがすべてコーディネーター上で処理されて"
            "いました。このワークロードで distributed_aggregation = on を設定してください。マージ処理がワーカー側で"
            "実行されるようになります。あわせて {cluster} の coordinator_heap を 16 GB に引き上げることを"
            "推奨いたします。なお、本件のメモリ管理は {fix_version} で改善されています。",
            "ru": "У агрегации очень много групп, и при настройках вашего кластера по умолчанию финальное слияние "
            "целиком выполняется на координаторе. Установите для этой нагрузки distributed_aggregation = on — тогда "
            "слияние уйдёт на рабочие узлы. Также рекомендуем увеличить coordinator_heap на {cluster} до 16 ГБ. "
            "В {fix_version} учёт памяти для этого случая улучшен.",
        },
    ),
    Scenario(
        "scim_deprovision",
        "problem",
        "administration",
        ("scim", "provisioning"),
        subject={
            "en": "SCIM provisioning from {idp} does not deactivate leavers",
            "ja": "{idp} からの SCIM プロビジョニングで退職者が無効化されない",
            "ru": "SCIM-провижининг из {idp} не отключает уволенных сотрудников",
        },
        body={
            "en": "Users we remove in {idp} stay active in Lumora. New users are created correctly through SCIM, but "
            "deprovisioning does nothing. The {idp} provisioning log shows that PATCH /scim/v2/Users/... returned "
            "200.",
            "ja": "{idp} で削除したユーザーが Lumora 上で有効なまま残っています。新規ユーザーは SCIM で正しく作成されますが、"
            "削除が反映されません。{idp} のプロビジョニングログでは PATCH /scim/v2/Users/... が 200 を返しています。",
            "ru": "Пользователи, удалённые в {idp}, остаются активными в Lumora. Новые пользователи создаются через "
            "SCIM корректно, а отключение не срабатывает. В логе провижининга {idp} запрос PATCH "
            "/scim/v2/Users/... возвращает 200.",
        },
        answer={
            "en": "{idp} sends the deprovisioning as a PATCH with active=false in a format that Lumora versions "
            "before {fix_version} accepted but ignored. The fix is in {fix_version}; until you upgrade, set "
            "“Deprovisioning action” to DELETE in the {idp} app settings, which Lumora handles correctly. We have "
            "deactivated the {count} leftover accounts you listed.",
            "ja": "{idp} は active=false の PATCH で無効化を送信しますが、{fix_version} より前の Lumora ではこの形式を受け付けた"
            "うえで無視していました。{fix_version} で修正済みです。アップグレードまでの間は、{idp} のアプリ設定で"
            "「プロビジョニング解除時の動作」を DELETE に変更してください。こちらは正しく処理されます。ご連絡いただいた"
            "{count}件の残存アカウントは弊社で無効化いたしました。",
            "ru": "{idp} отправляет отключение как PATCH с active=false в формате, который версии Lumora до "
            "{fix_version} принимали, но игнорировали. Исправление вошло в {fix_version}; до обновления установите "
            "в настройках приложения {idp} действие при отключении DELETE — его Lumora обрабатывает правильно. "
            "Оставшиеся {count} учётных записей из вашего списка мы отключили.",
        },
    ),
    Scenario(
        "filter_regression",
        "problem",
        "dashboards",
        ("regression", "filters"),
        subject={
            "en": "Dashboard filters ignored on the second tab after upgrade to {version}",
            "ja": "{version} へのアップグレード後、2つ目のタブでダッシュボードのフィルタが反映されない",
            "ru": "После обновления до {version} фильтры дашборда не применяются на второй вкладке",
        },
        body={
            "en": "Since the upgrade to {version}, the region filter of the {dashboard} dashboard only applies to the "
            "widgets on the first tab. The widgets on the second tab show totals for all regions, so people read "
            "wrong numbers without noticing. It worked on {prev_version}, and we can reproduce it with a new "
            "dashboard too.",
            "ja": "{version} にアップグレードして以降、{dashboard} ダッシュボードの地域フィルタが1つ目のタブのウィジェットにしか"
            "反映されません。2つ目のタブのウィジェットには全地域の合計が表示されるため、利用者が気付かないまま誤った数値を見て"
            "しまっています。{prev_version} では正常に動作しており、新規に作成したダッシュボードでも再現いたします。",
            "ru": "После обновления до {version} фильтр по региону на дашборде {dashboard} применяется только к "
            "виджетам первой вкладки. Виджеты второй вкладки показывают итоги по всем регионам, и пользователи "
            "смотрят на неверные цифры, не замечая этого. На {prev_version} всё работало; воспроизводится и на "
            "новом дашборде.",
        },
        answer={
            "en": "Thank you for the clear reproduction. This is a defect in {version}: widgets on tabs that have not "
            "been opened yet when the filter changes do not pick up the new value. The fix is in {fix_version}. "
            "Until you can upgrade, set the filter's scope to “All tabs” in the filter settings instead of the "
            "default “Dashboard”; with that setting every widget applies it. We will let you know when "
            "{fix_version} is available for {cluster}.",
            "ja": "再現手順を詳しくお知らせいただきありがとうございます。{version} の不具合で、フィルタを変更した時点でまだ開かれて"
            "いないタブのウィジェットに、新しい値が適用されない事象です。{fix_version} で修正されます。アップグレードまでの間は、"
            "フィルタ設定で適用範囲を既定の「ダッシュボード」から「すべてのタブ」に変更してください。この設定では、すべての"
            "ウィジェットにフィルタが適用されます。{cluster} 向けに {fix_version} をご提供できるようになりましたら、改めて"
            "ご連絡いたします。",
            "ru": "Спасибо за чёткое описание. Это дефект {version}: виджеты на вкладках, которые ещё не открывались "
            "в момент смены фильтра, не получают новое значение. Исправление войдёт в {fix_version}. До обновления "
            "укажите в настройках фильтра область действия «Все вкладки» вместо «Дашборд» по умолчанию — тогда "
            "фильтр применяется ко всем виджетам. Сообщим, когда {fix_version} будет доступна для {cluster}.",
        },
    ),
    # --- incidents: one customer's error or failure, most often their setup or usage -----------
    Scenario(
        "kafka_lag",
        "incident",
        "ingestion",
        ("kafka", "lag"),
        subject={
            "en": "Ingestion lag on topic {topic} keeps growing (ERR_INGEST_BACKPRESSURE)",
            "ja": "トピック {topic} の取り込み遅延が拡大しています（ERR_INGEST_BACKPRESSURE）",
            "ru": "Растёт отставание загрузки из топика {topic} (ERR_INGEST_BACKPRESSURE)",
        },
        body={
            "en": "The Kafka pipeline for topic {topic} is falling behind: the consumer lag went from a few seconds "
            "to over 40 minutes since {time}. The pipeline log shows repeated\n\nWARN ERR_INGEST_BACKPRESSURE: merge "
            "queue full (pending parts: 312)\n\nWe did not change anything on the producer side.",
            "ja": "トピック {topic} の Kafka パイプラインで遅延が発生しています。{time} 以降、コンシューマーラグが数秒から40分"
            "以上に増加しました。パイプラインのログには以下の警告が繰り返し出力されています。\n\nWARN "
            "ERR_INGEST_BACKPRESSURE: merge queue full (pending parts: 312)\n\nプロデューサー側の変更は行っておりません。",
            "ru": "Конвейер Kafka для топика {topic} отстаёт: с {time} лаг потребителя вырос с нескольких секунд до "
            "более чем 40 минут. В логе конвейера постоянно повторяется\n\nWARN ERR_INGEST_BACKPRESSURE: merge "
            "queue full (pending parts: 312)\n\nНа стороне продюсера ничего не меняли.",
        },
        answer={
            "en": "The merge queue filled up because the pipeline commits very small parts (one per 500 messages). "
            "Please raise batch.max_rows to 100000 and batch.max_wait to 5 s in the pipeline settings; after the "
            "change the lag on {topic} should drain within an hour. If it does not, send us the output of SHOW "
            "PIPELINE STATUS and we will look again.",
            "ja": "パイプラインが非常に小さい単位（500メッセージごと）でパートをコミットしていたため、マージキューが埋まって"
            "いました。パイプライン設定で batch.max_rows を 100000、batch.max_wait を 5 秒に変更してください。変更後、"
            "{topic} の遅延は1時間以内に解消される見込みです。解消しない場合は SHOW PIPELINE STATUS の出力をお送りください。",
            "ru": "Очередь слияния переполнилась, потому что конвейер фиксирует очень маленькие части (по одной на "
            "500 сообщений). Увеличьте в настройках конвейера batch.max_rows до 100000 и batch.max_wait до 5 с — "
            "после этого отставание по {topic} должно уйти в течение часа. Если нет, пришлите вывод SHOW PIPELINE "
            "STATUS, посмотрим ещё раз.",
        },
    ),
    Scenario(
        "bi_connector_503",
        "incident",
        "integrations",
        ("connector", "http_503"),
        subject={
            "en": "{tool} connector returns HTTP 503 when refreshing extracts",
            "ja": "{tool} コネクタで抽出の更新時に HTTP 503 が返される",
            "ru": "Коннектор {tool} возвращает HTTP 503 при обновлении выгрузок",
        },
        body={
            "en": "Scheduled extract refreshes in {tool} fail since this morning with:\n\nHTTP 503 Service "
            "Unavailable (upstream: lumora-gateway)\n\nManual queries in the Lumora console work fine. The "
            "refreshes run at 06:00 and pull about {rows} million rows.",
            "ja": "本日朝から、{tool} のスケジュール抽出更新が以下のエラーで失敗しています。\n\nHTTP 503 Service Unavailable "
            "(upstream: lumora-gateway)\n\nLumora コンソールからの手動クエリは正常に動作しています。更新は毎朝6:00に実行され、"
            "約{rows}00万行を取得しています。",
            "ru": "С утра плановые обновления выгрузок в {tool} падают с ошибкой:\n\nHTTP 503 Service Unavailable "
            "(upstream: lumora-gateway)\n\nРучные запросы в консоли Lumora работают нормально. Обновления "
            "запускаются в 06:00 и забирают около {rows} млн строк.",
        },
        answer={
            "en": "The gateway returned 503 because the refreshes hit the limit of 4 concurrent exports on your "
            "plan: all extracts are scheduled at exactly 06:00. Please stagger the schedules by 10–15 minutes or "
            "enable the export queue (Administration → Connections → Queue exports), which waits instead of "
            "rejecting. We have confirmed in the gateway log that no other errors occurred.",
            "ja": "ご契約プランの同時エクスポート上限（4件）に達したため、ゲートウェイが 503 を返していました。すべての抽出が"
            "6:00ちょうどにスケジュールされています。スケジュールを10〜15分ずつずらしていただくか、エクスポートキュー"
            "（管理 → 接続 → エクスポートをキューに入れる）を有効にしてください。有効にすると、拒否されずに順番待ちとなります。"
            "ゲートウェイのログで、その他のエラーが発生していないことも確認しております。",
            "ru": "Шлюз возвращал 503, потому что обновления упирались в лимит 4 одновременных выгрузок на вашем "
            "тарифе: все выгрузки запланированы ровно на 06:00. Разнесите расписания на 10–15 минут или включите "
            "очередь выгрузок («Администрирование → Подключения → Ставить выгрузки в очередь») — тогда запросы "
            "будут ждать, а не отклоняться. По логам шлюза других ошибок не было.",
        },
    ),
    Scenario(
        "daily_totals",
        "incident",
        "dashboards",
        ("time_zone", "totals"),
        subject={
            "en": "{dashboard} shows wrong daily totals since the clock change",
            "ja": "{dashboard} の日次合計が ERP の数値と一致しない",
            "ru": "Дневные итоги на дашборде {dashboard} не сходятся с ERP",
        },
        body={
            "en": "Since the daylight-saving change last weekend, the daily totals on the {dashboard} dashboard "
            "differ from our ERP figures. The difference is exactly the orders placed between 00:00 and 01:00 local "
            "time, which now appear on the previous day.",
            "ja": "{dashboard} ダッシュボードの日次合計が、ERP の数値と一致しません。差分はちょうど日本時間0:00〜9:00の注文分で、"
            "前日の集計に含まれてしまっているようです。",
            "ru": "Дневные итоги на дашборде {dashboard} не совпадают с цифрами из ERP. Разница — ровно заказы, "
            "оформленные с 00:00 до 03:00 по московскому времени: они попадают в предыдущий день.",
        },
        answer={
            "en": "The dashboard groups by date_trunc('day', created_at), which uses UTC, while your ERP uses local "
            "time. Set the dashboard time zone under Dashboard settings → Time zone, or use date_trunc('day', "
            "created_at AT TIME ZONE '{tz}') in the underlying query. After the change the totals match the ERP "
            "figures we compared for last week.",
            "ja": "ダッシュボードは date_trunc('day', created_at) で集計しており、これは UTC 基準です。一方、ERP は日本時間で"
            "集計されています。「ダッシュボード設定 → タイムゾーン」で Asia/Tokyo を指定するか、クエリ側で "
            "date_trunc('day', created_at AT TIME ZONE 'Asia/Tokyo') をご利用ください。変更後、先週分について ERP の"
            "数値と一致することを確認いたしました。",
            "ru": "Дашборд группирует по date_trunc('day', created_at), а это UTC, тогда как ERP считает по "
            "московскому времени. Укажите часовой пояс в «Настройки дашборда → Часовой пояс» или используйте в "
            "запросе date_trunc('day', created_at AT TIME ZONE 'Europe/Moscow'). После изменения итоги за прошлую "
            "неделю совпали с ERP.",
        },
    ),
    Scenario(
        "rate_limit_429",
        "incident",
        "api",
        ("rate_limit", "sdk"),
        subject={
            "en": "HTTP 429 Too Many Requests from the API although we are under the limit",
            "ja": "上限内にもかかわらず API から HTTP 429 Too Many Requests が返される",
            "ru": "HTTP 429 Too Many Requests от API, хотя лимит не превышен",
        },
        body={
            "en": "Our integration gets HTTP 429 Too Many Requests every few minutes, although we send at most 20 "
            "requests per second and our plan allows 50. Response header: Retry-After: 30. Client: Python SDK "
            "{version}.",
            "ja": "連携処理で数分おきに HTTP 429 Too Many Requests が返されます。送信は最大でも毎秒20リクエストで、契約プランの"
            "上限は毎秒50リクエストです。レスポンスヘッダは Retry-After: 30 です。クライアントは Python SDK {version} を"
            "使用しています。",
            "ru": "Наша интеграция каждые несколько минут получает HTTP 429 Too Many Requests, хотя мы отправляем не "
            "больше 20 запросов в секунду, а тариф допускает 50. Заголовок ответа: Retry-After: 30. Клиент — "
            "Python SDK {version}.",
        },
        answer={
            "en": "The limit of 50 requests per second applies per token, but there is also a burst allowance of 100 "
            "requests per 2 seconds per IP address. Your integration runs 6 workers behind one NAT address, and "
            "their bursts at the start of each minute exceed it. Please enable the SDK's built-in retry "
            "(retry=RetryPolicy(max_attempts=5)), which respects Retry-After, or spread the jobs over the minute.",
            "ja": "毎秒50リクエストの上限はトークン単位ですが、これとは別に IP アドレス単位で2秒あたり100リクエストのバースト上限が"
            "ございます。貴社の連携処理は1つの NAT アドレスの背後で6つのワーカーが動作しており、毎分の開始時にバーストが上限を"
            "超えていました。SDK 組み込みのリトライ（retry=RetryPolicy(max_attempts=5)）を有効にしていただくと、"
            "Retry-After に従って再試行されます。または、ジョブの開始時刻を分散してください。",
            "ru": "Лимит 50 запросов в секунду действует на токен, но есть ещё ограничение всплесков — 100 запросов "
            "за 2 секунды на IP-адрес. У вас 6 воркеров работают за одним NAT-адресом, и в начале каждой минуты их "
            "всплески превышают это ограничение. Включите встроенные повторы в SDK "
            "(retry=RetryPolicy(max_attempts=5)), они учитывают Retry-After, или распределите задания по минуте.",
        },
    ),
    Scenario(
        "csv_parse",
        "incident",
        "ingestion",
        ("csv", "import"),
        subject={
            "en": "CSV import fails with ERR_PARSE_CSV_ROW at line {n}",
            "ja": "CSV インポートが ERR_PARSE_CSV_ROW（{n}行目）で失敗する",
            "ru": "Импорт CSV падает с ERR_PARSE_CSV_ROW на строке {n}",
        },
        body={
            "en": "Importing the daily export into {table} fails with:\n\nERR_PARSE_CSV_ROW: line {n}, column 7: "
            "unterminated quoted field\n\nThe file opens fine in Excel. It is about {rows} million rows, UTF-8.",
            "ja": "日次エクスポートを {table} にインポートすると、以下のエラーで失敗します。\n\nERR_PARSE_CSV_ROW: line {n}, "
            "column 7: unterminated quoted field\n\nExcel では問題なく開けます。ファイルは約{rows}00万行、UTF-8 です。",
            "ru": "Импорт ежедневной выгрузки в {table} падает с ошибкой:\n\nERR_PARSE_CSV_ROW: line {n}, column 7: "
            "unterminated quoted field\n\nВ Excel файл открывается нормально. Около {rows} млн строк, UTF-8.",
        },
        answer={
            "en": "Line {n} contains a line break inside a quoted comment field, and the file uses \\r\\n line "
            "endings while the pipeline is configured for \\n. Set line_terminator = auto and "
            "allow_quoted_newlines = true in the pipeline's Format tab; the file then loads completely. We tested "
            "it with the sample you sent.",
            "ja": "{n}行目の引用符で囲まれたコメント欄に改行が含まれており、さらにファイルの改行コードが \\r\\n であるのに対し、"
            "パイプラインは \\n に設定されていました。パイプラインの「フォーマット」タブで line_terminator = auto、"
            "allow_quoted_newlines = true を設定してください。お送りいただいたサンプルで、全件ロードできることを確認しております。",
            "ru": "В строке {n} внутри поля комментария в кавычках есть перевод строки, а файл использует окончания "
            "строк \\r\\n, тогда как конвейер настроен на \\n. Установите на вкладке «Формат» конвейера "
            "line_terminator = auto и allow_quoted_newlines = true — файл загрузится полностью. Мы проверили это на "
            "присланном образце.",
        },
    ),
    Scenario(
        "query_spill",
        "incident",
        "query_engine",
        ("memory", "spill"),
        subject={
            "en": "Query on {table} fails with ERR_SPILL_LIMIT_EXCEEDED",
            "ja": "{table} に対するクエリが ERR_SPILL_LIMIT_EXCEEDED で失敗する",
            "ru": "Запрос к {table} падает с ERR_SPILL_LIMIT_EXCEEDED",
        },
        body={
            "en": "One of our analysts' queries on {cluster} fails after a few minutes with:\n\n"
            "ERR_SPILL_LIMIT_EXCEEDED: query spilled 512 GB to disk (limit 500 GB)\n\nThe query joins {table} with "
            "{table2}. Other queries run normally. Could you tell us what is wrong?",
            "ja": "{cluster} 上で、分析担当者のクエリの一つが数分後に以下のエラーで失敗します。\n\n"
            "ERR_SPILL_LIMIT_EXCEEDED: query spilled 512 GB to disk (limit 500 GB)\n\n{table} と {table2} を結合する"
            "クエリです。その他のクエリは正常に動作しております。原因をご教示いただけますでしょうか。",
            "ru": "Один из запросов наших аналитиков на {cluster} через несколько минут падает с ошибкой:\n\n"
            "ERR_SPILL_LIMIT_EXCEEDED: query spilled 512 GB to disk (limit 500 GB)\n\nЗапрос соединяет {table} и "
            "{table2}. Остальные запросы работают нормально. Подскажите, в чём может быть дело?",
        },
        answer={
            "en": "The query profile shows that the join condition between {table} and {table2} uses only one of the "
            "two key columns, so the join produces hundreds of times more rows than expected and spills them to "
            "disk. With the second key column added to the ON clause, the query finishes in a few seconds. The "
            "spill limit protects the cluster from exactly this kind of runaway query, so we recommend keeping it.",
            "ja": "クエリプロファイルを確認したところ、{table} と {table2} の結合条件に2つのキー列のうち1列しか指定されておらず、"
            "想定の数百倍の行が生成されてディスクに書き出されていました。ON 句に2つ目のキー列を追加していただくと、数秒で完了"
            "いたします。スピル上限はこのような暴走クエリからクラスタを保護するためのものですので、現在の設定のままご利用いただく"
            "ことを推奨いたします。",
            "ru": "По профилю запроса видно, что в условии соединения {table} и {table2} указан только один из двух "
            "ключевых столбцов, поэтому соединение порождает в сотни раз больше строк, чем ожидалось, и они "
            "сбрасываются на диск. Если добавить второй ключевой столбец в ON, запрос выполняется за несколько "
            "секунд. Лимит на сброс на диск защищает кластер как раз от таких запросов, поэтому менять его не "
            "рекомендуем.",
        },
    ),
    Scenario(
        "dashboard_rls",
        "incident",
        "dashboards",
        ("row_level_security", "permissions"),
        subject={
            "en": "{dashboard} shows “Failed to load data” for some users",
            "ja": "一部のユーザーで {dashboard} に「データを読み込めませんでした」と表示される",
            "ru": "У части пользователей дашборд {dashboard} показывает «Не удалось загрузить данные»",
        },
        body={
            "en": "Since this week about {count} of our users see “Failed to load data” on every widget of the "
            "{dashboard} dashboard. Other users, including all admins, see the dashboard normally. The users who "
            "are affected joined the company recently.",
            "ja": "今週から、当社ユーザーのうち約{count}名で、{dashboard} ダッシュボードのすべてのウィジェットに「データを読み込め"
            "ませんでした」と表示されるようになりました。管理者を含むその他のユーザーは問題なく閲覧できております。影響を受けて"
            "いるのは、最近入社したユーザーです。",
            "ru": "С этой недели примерно у {count} наших пользователей на всех виджетах дашборда {dashboard} "
            "отображается «Не удалось загрузить данные». У остальных, включая всех администраторов, дашборд "
            "открывается нормально. Проблема у сотрудников, которые пришли в компанию недавно.",
        },
        answer={
            "en": "The dataset behind {dashboard} has a row-level security policy that filters on the user attribute "
            "region. Users provisioned from {idp} in the last weeks have no region attribute, so the policy rejects "
            "their queries. Please add region to the attribute mapping of the {idp} app (Administration → "
            "Authentication → Attributes); it is applied at the users' next sign-in. We checked with one of the "
            "affected accounts that the dashboard loads once the attribute is set.",
            "ja": "{dashboard} のデータセットには、ユーザー属性 region で絞り込む行レベルセキュリティのポリシーが設定されております。"
            "ここ数週間に {idp} からプロビジョニングされたユーザーには region 属性がないため、ポリシーによってクエリが拒否されて"
            "おりました。{idp} アプリの属性マッピング（管理 → 認証 → 属性）に region を追加してください。各ユーザーの次回"
            "ログイン時に反映されます。対象アカウントの一つで、属性の設定後にダッシュボードが表示されることを確認いたしました。",
            "ru": "На наборе данных дашборда {dashboard} настроена политика построчной безопасности, которая "
            "фильтрует по атрибуту пользователя region. У пользователей, созданных из {idp} за последние недели, "
            "этого атрибута нет, и политика отклоняет их запросы. Добавьте region в сопоставление атрибутов "
            "приложения {idp} («Администрирование → Аутентификация → Атрибуты») — он применится при следующем "
            "входе пользователя. Мы проверили на одной из затронутых учётных записей: с заполненным атрибутом "
            "дашборд загружается.",
        },
    ),
    Scenario(
        "api_token_401",
        "incident",
        "api",
        ("rest_api", "authentication"),
        subject={
            "en": "Nightly export script gets HTTP 401 invalid_token",
            "ja": "夜間エクスポートのスクリプトで HTTP 401 invalid_token が返される",
            "ru": "Ночной скрипт выгрузки получает HTTP 401 invalid_token",
        },
        body={
            "en": "Our nightly export from {table} has failed two nights in a row. The script uses the Python SDK "
            '{version} and now gets:\n\nHTTP 401 Unauthorized {{"error": "invalid_token"}}\n\nNobody touched the '
            "script or the token. What happened?",
            "ja": "{table} の夜間エクスポートが2晩続けて失敗しています。スクリプトは Python SDK {version} を使用しており、現在"
            '以下のエラーが返されます。\n\nHTTP 401 Unauthorized {{"error": "invalid_token"}}\n\nスクリプトにもトークンにも'
            "変更は加えておりません。原因を調べていただけますでしょうか。",
            "ru": "Ночная выгрузка из {table} уже две ночи подряд завершается ошибкой. Скрипт использует Python SDK "
            '{version} и теперь получает:\n\nHTTP 401 Unauthorized {{"error": "invalid_token"}}\n\nНи скрипт, ни '
            "токен никто не менял. Что могло случиться?",
        },
        answer={
            "en": "The script used the personal API token of a user who was deactivated on Monday, and a token stops "
            "working with its owner. Please create a service account under Administration → Service accounts, give "
            "it read access to the schema and issue a token for it: service-account tokens do not depend on any "
            "employee and do not use a named-user seat. KB-{kb} walks through the steps.",
            "ja": "スクリプトでは、月曜日に無効化されたユーザーの個人用 API トークンが使用されておりました。トークンは、所有者の"
            "アカウントが無効化されると利用できなくなります。「管理 → サービスアカウント」でサービスアカウントを作成し、対象"
            "スキーマへの参照権限を付与したうえでトークンを発行してください。サービスアカウントのトークンは特定の社員に依存せず、"
            "ネームドユーザーライセンスも消費いたしません。手順は KB-{kb} をご参照ください。",
            "ru": "Скрипт использовал личный API-токен сотрудника, учётную запись которого отключили в понедельник, "
            "а вместе с владельцем перестают работать и его токены. Создайте сервисную учётную запись в разделе "
            "«Администрирование → Сервисные учётные записи», выдайте ей права на чтение схемы и выпустите для неё "
            "токен: такие токены не зависят от конкретного сотрудника и не занимают именную лицензию. Пошагово это "
            "описано в статье KB-{kb}.",
        },
    ),
    Scenario(
        "s3_access_denied",
        "incident",
        "integrations",
        ("s3", "connector"),
        subject={
            "en": "S3 pipeline fails with ERR_SOURCE_ACCESS_DENIED after a bucket policy change",
            "ja": "バケットの設定変更後、S3 パイプラインが ERR_SOURCE_ACCESS_DENIED で失敗する",
            "ru": "Конвейер из S3 падает с ERR_SOURCE_ACCESS_DENIED после изменения настроек бакета",
        },
        body={
            "en": "Since {time} our pipeline loading {table} from Amazon S3 fails with:\n\nERR_SOURCE_ACCESS_DENIED: "
            "s3://{topic}-landing/daily/: 403 AccessDenied\n\nOur cloud team enabled KMS encryption on the bucket "
            "yesterday, but the Lumora role still has s3:GetObject and s3:ListBucket.",
            "ja": "{time} 以降、Amazon S3 から {table} にデータを取り込むパイプラインが以下のエラーで失敗しています。\n\n"
            "ERR_SOURCE_ACCESS_DENIED: s3://{topic}-landing/daily/: 403 AccessDenied\n\n昨日、当社のクラウドチームが"
            "バケットの KMS 暗号化を有効にしましたが、Lumora 用のロールには引き続き s3:GetObject と s3:ListBucket を付与して"
            "おります。",
            "ru": "С {time} конвейер, загружающий {table} из Amazon S3, падает с ошибкой:\n\nERR_SOURCE_ACCESS_DENIED: "
            "s3://{topic}-landing/daily/: 403 AccessDenied\n\nВчера наша облачная команда включила на бакете "
            "шифрование KMS, но у роли Lumora по-прежнему есть s3:GetObject и s3:ListBucket.",
        },
        answer={
            "en": "With KMS encryption on the bucket, reading an object also needs kms:Decrypt on the bucket's key, "
            "and the Lumora role does not have it yet. Please add kms:Decrypt for that key to the role's policy "
            "(the exact statement is in KB-{kb}) and press Retry on the pipeline: the files that failed since "
            "{time} are loaded again and nothing is skipped.",
            "ja": "バケットで KMS 暗号化を有効にした場合、オブジェクトの読み取りには該当キーに対する kms:Decrypt 権限も必要と"
            "なりますが、Lumora 用のロールにはまだ付与されておりません。ロールのポリシーに該当キーの kms:Decrypt を追加して"
            "いただき（具体的な記述は KB-{kb} をご参照ください）、パイプラインの「再試行」を押してください。{time} 以降に失敗"
            "したファイルも改めて取り込まれますので、データの欠損は発生いたしません。",
            "ru": "При шифровании бакета через KMS для чтения объекта нужен ещё и kms:Decrypt на ключ бакета, а у "
            "роли Lumora его пока нет. Добавьте kms:Decrypt для этого ключа в политику роли (готовый фрагмент — в "
            "статье KB-{kb}) и нажмите «Повторить» в конвейере: файлы, на которых были ошибки с {time}, загрузятся "
            "заново, ничего не пропадёт.",
        },
    ),
    Scenario(
        "ip_allowlist",
        "incident",
        "security",
        ("ip_allowlist", "vpn"),
        subject={
            "en": "Users on our new VPN are blocked with ERR_IP_NOT_ALLOWED",
            "ja": "新しい VPN 経由のユーザーが ERR_IP_NOT_ALLOWED でブロックされる",
            "ru": "Пользователей через новый VPN блокирует ошибка ERR_IP_NOT_ALLOWED",
        },
        body={
            "en": "We moved our staff to a new VPN provider this weekend. Since then about {count} users working from "
            "home get\n\nERR_IP_NOT_ALLOWED: sign-in from this network is not permitted by your organization\n\nwhen "
            "they open Lumora. Users in the office are fine.",
            "ja": "今週末、社員向けの VPN を新しいプロバイダーに切り替えました。それ以降、在宅勤務中のユーザー約{count}名が Lumora "
            "を開くと、以下のエラーが表示されます。\n\nERR_IP_NOT_ALLOWED: sign-in from this network is not permitted by "
            "your organization\n\nオフィスから接続しているユーザーは問題ございません。",
            "ru": "На выходных мы перевели сотрудников на нового VPN-провайдера. С тех пор примерно {count} "
            "пользователей, работающих из дома, при открытии Lumora видят\n\nERR_IP_NOT_ALLOWED: sign-in from this "
            "network is not permitted by your organization\n\nУ тех, кто работает в офисе, всё в порядке.",
        },
        answer={
            "en": "Your organization has an IP allowlist, and it still lists only the address ranges of the old VPN; "
            "the sign-in log shows the blocked attempts coming from the new provider's range. An administrator can "
            "add the new ranges under Administration → Security → Allowed networks, and the change takes effect at "
            "once. We recommend removing the old ranges when the move is complete.",
            "ja": "貴社では IP 許可リストが設定されており、旧 VPN のアドレス範囲のみが登録されておりました。ログイン履歴でも、"
            "ブロックされた接続はすべて新しいプロバイダーのアドレス範囲からのものでした。管理者の方が「管理 → セキュリティ → "
            "許可するネットワーク」で新しいアドレス範囲を追加していただくと、即時に反映されます。切り替えが完了しましたら、"
            "旧アドレス範囲は削除していただくことを推奨いたします。",
            "ru": "В вашей организации включён список разрешённых IP-адресов, и в нём по-прежнему только диапазоны "
            "старого VPN: по журналу входов все заблокированные попытки идут из диапазона нового провайдера. "
            "Администратор может добавить новые диапазоны в разделе «Администрирование → Безопасность → Разрешённые "
            "сети» — изменение действует сразу. Старые диапазоны рекомендуем удалить, когда переход завершится.",
        },
    ),
    Scenario(
        "invite_emails",
        "incident",
        "administration",
        ("email", "onboarding"),
        subject={
            "en": "Invitation e-mails do not arrive",
            "ja": "招待メールが届きません",
            "ru": "Не приходят письма с приглашениями",
        },
        body={
            "en": "We invited {count} new colleagues to Lumora yesterday, but none of them received the invitation "
            "e-mail, not even in the spam folder. The admin page shows the invitations as “Sent”. Resending did not "
            "help.",
            "ja": "昨日、新しく{count}名のメンバーを Lumora に招待しましたが、迷惑メールフォルダも含め、どなたにも招待メールが届いて"
            "おりません。管理画面では招待のステータスが「送信済み」となっております。再送も試しましたが、状況は変わりません"
            "でした。",
            "ru": "Вчера мы пригласили в Lumora {count} новых сотрудников, но ни один не получил письмо с "
            "приглашением, даже в папке «Спам». В админке приглашения отмечены как «Отправлено». Повторная отправка "
            "не помогла.",
        },
        answer={
            "en": "Our mail log shows that your mail gateway accepted the invitations and then quarantined them, "
            "because notifications@lumora.io is not on its list of allowed senders. Please ask your e-mail team to "
            "allow that sender (SPF and DKIM are set up for it) and release the quarantined messages. Alternatively, "
            "you can copy each invitation link from Administration → Users → Pending invitations and send it "
            "yourself.",
            "ja": "弊社のメール送信ログを確認したところ、貴社のメールゲートウェイが招待メールを受信したうえで隔離しておりました。"
            "送信元の notifications@lumora.io が、ゲートウェイの許可リストに登録されていないためです。貴社のメール管理ご担当者様"
            "に、この送信元の許可（SPF・DKIM は設定済みです）と、隔離されたメールの解放をご依頼ください。または、「管理 → "
            "ユーザー → 保留中の招待」から招待リンクをコピーし、直接お送りいただくことも可能です。",
            "ru": "По нашему почтовому журналу видно, что ваш почтовый шлюз принял приглашения и отправил их в "
            "карантин: отправителя notifications@lumora.io нет в списке разрешённых. Попросите администраторов "
            "вашей почты разрешить этого отправителя (SPF и DKIM для него настроены) и выпустить письма из "
            "карантина. Либо скопируйте ссылки в разделе «Администрирование → Пользователи → Ожидающие приглашения» "
            "и отправьте их сами.",
        },
    ),
    # --- incidents: outages that stop a customer's production ----------------------------------
    Scenario(
        "cluster_down",
        "incident",
        "administration",
        ("outage", "production"),
        subject={
            "en": "URGENT: production cluster {cluster} unreachable, HTTP 503 on all nodes",
            "ja": "【緊急】本番クラスタ {cluster} に接続できません（全ノードで HTTP 503）",
            "ru": "СРОЧНО: продуктивный кластер {cluster} недоступен, HTTP 503 на всех узлах",
        },
        body={
            "en": "Since {time} all requests to {cluster} return HTTP 503 and the console shows all nodes as "
            "unreachable. All our production dashboards are down. Please call us back.",
            "ja": "{time} 以降、{cluster} へのすべてのリクエストが HTTP 503 を返し、コンソールでは全ノードが到達不能と表示されて"
            "います。本番のダッシュボードがすべて停止しております。至急ご連絡ください。",
            "ru": "С {time} все запросы к {cluster} возвращают HTTP 503, в консоли все узлы отображаются "
            "недоступными. Все продуктивные дашборды не работают. Просим срочно связаться с нами.",
        },
        answer={
            "en": "The outage on {cluster} was caused by the certificate rotation on the load balancer at {time}, "
            "which left the nodes with an expired internal certificate. We rolled the certificate forward and the "
            "cluster has been serving normally for 30 minutes. A root-cause report will follow within two business "
            "days.",
            "ja": "{cluster} の障害は、{time} にロードバランサーで実施された証明書ローテーションにより、ノードが期限切れの内部"
            "証明書を参照したことが原因でした。証明書を更新し、現在クラスタは30分間正常に稼働しております。原因分析報告書は"
            "2営業日以内にお送りいたします。",
            "ru": "Сбой на {cluster} был вызван ротацией сертификата на балансировщике в {time}: узлы остались с "
            "просроченным внутренним сертификатом. Мы обновили сертификат, кластер уже 30 минут работает "
            "нормально. Отчёт о первопричине пришлём в течение двух рабочих дней.",
        },
        outage=True,
    ),
    Scenario(
        "ingest_stopped",
        "incident",
        "ingestion",
        ("outage", "kafka"),
        subject={
            "en": "All ingestion pipelines stopped on {cluster}",
            "ja": "{cluster} の全取り込みパイプラインが停止しています",
            "ru": "На {cluster} остановились все конвейеры загрузки",
        },
        body={
            "en": "No data has arrived in any table on {cluster} since {time}. All pipelines show status STALLED and "
            "the log repeats:\n\nERROR KafkaException: Broker transport failure (broker-2:9093)\n\nOur Kafka cluster "
            "is healthy according to our monitoring.",
            "ja": "{time} 以降、{cluster} のすべてのテーブルにデータが到着していません。全パイプラインのステータスが STALLED と"
            "なり、ログには以下が繰り返し出力されています。\n\nERROR KafkaException: Broker transport failure "
            "(broker-2:9093)\n\n弊社の監視では Kafka クラスタは正常です。",
            "ru": "С {time} в таблицы на {cluster} не поступают данные. Все конвейеры в статусе STALLED, в логе "
            "повторяется:\n\nERROR KafkaException: Broker transport failure (broker-2:9093)\n\nПо нашему "
            "мониторингу кластер Kafka исправен.",
        },
        answer={
            "en": "The pipelines stalled because the connection pool to your brokers kept a stale DNS entry after "
            "broker-2 moved to a new address. We restarted the ingestion service on {cluster}; all pipelines have "
            "caught up and no data was lost, since offsets are committed only after a successful write. The DNS "
            "caching issue is fixed in {fix_version}.",
            "ja": "broker-2 のアドレス変更後も、ブローカーへの接続プールが古い DNS 情報を保持していたため、パイプラインが停止して"
            "いました。{cluster} の取り込みサービスを再起動し、全パイプラインの遅延は解消済みです。オフセットは書き込み成功後に"
            "のみコミットされるため、データの欠損はございません。DNS キャッシュの問題は {fix_version} で修正されます。",
            "ru": "Конвейеры остановились, потому что пул соединений с брокерами держал устаревшую DNS-запись после "
            "переезда broker-2 на новый адрес. Мы перезапустили сервис загрузки на {cluster}; все конвейеры "
            "догнали поток, данные не потеряны — смещения фиксируются только после успешной записи. Проблема с "
            "кешированием DNS исправлена в {fix_version}.",
        },
        outage=True,
    ),
    Scenario(
        "sso_outage",
        "incident",
        "integrations",
        ("outage", "sso"),
        subject={
            "en": "Nobody can sign in: SAML response signature invalid",
            "ja": "全ユーザーがログインできません（SAML response signature invalid）",
            "ru": "Никто не может войти: SAML response signature invalid",
        },
        body={
            "en": "Since {time} none of our users can sign in through {idp}. The login page shows:\n\nSAML response "
            "signature invalid (certificate not trusted)\n\nOur {idp} administrators rotated the signing "
            "certificate yesterday.",
            "ja": "{time} 以降、{idp} 経由でユーザーが誰もログインできません。ログイン画面には以下が表示されます。\n\nSAML "
            "response signature invalid (certificate not trusted)\n\n昨日、弊社の {idp} 管理者が署名証明書を更新しております。",
            "ru": "С {time} ни один пользователь не может войти через {idp}. На странице входа ошибка:\n\nSAML "
            "response signature invalid (certificate not trusted)\n\nВчера наши администраторы {idp} сменили "
            "сертификат подписи.",
        },
        answer={
            "en": "The new {idp} signing certificate has to be uploaded to Lumora as well. I have added the "
            "certificate from your metadata URL to the trusted list, and sign-in works again — we tested it with "
            "your test account. To avoid this next time, configure the metadata URL instead of a fixed certificate; "
            "Lumora then picks up rotations automatically.",
            "ja": "{idp} の新しい署名証明書を Lumora 側にも登録する必要がございます。貴社のメタデータ URL から証明書を信頼済み"
            "リストに追加し、テスト用アカウントでログインできることを確認いたしました。今後は固定の証明書ではなくメタデータ URL "
            "を設定していただくと、証明書の更新が自動的に反映されます。",
            "ru": "Новый сертификат подписи {idp} нужно добавить и в Lumora. Мы добавили сертификат из вашего URL "
            "метаданных в список доверенных, вход снова работает — проверили на вашей тестовой учётной записи. "
            "Чтобы в следующий раз этого не случилось, укажите в настройках URL метаданных вместо фиксированного "
            "сертификата: тогда Lumora будет подхватывать смену сертификата автоматически.",
        },
        outage=True,
    ),
    # --- feature requests ----------------------------------------------------------------------
    Scenario(
        "excel_export",
        "feature_request",
        "dashboards",
        ("export", "excel"),
        subject={
            "en": "Feature request: keep number formats when exporting to Excel",
            "ja": "機能要望：Excel エクスポート時に数値書式を保持してほしい",
            "ru": "Пожелание: сохранять числовые форматы при выгрузке в Excel",
        },
        body={
            "en": "When we export a table widget from {dashboard} to Excel, all numbers become text and the currency "
            "formatting is lost. Could the export keep number formats? Our controllers rebuild the formatting by "
            "hand every month.",
            "ja": "{dashboard} のテーブルウィジェットを Excel にエクスポートすると、数値がすべて文字列になり、通貨書式も失われます。"
            "数値書式を保持したままエクスポートできるようにしていただけないでしょうか。毎月、経理担当者が手作業で書式を設定し直して"
            "おります。",
            "ru": "При выгрузке табличного виджета из {dashboard} в Excel все числа превращаются в текст, а "
            "форматирование валют теряется. Можно ли сохранять числовые форматы? Наши контролёры каждый месяц "
            "заново настраивают форматирование вручную.",
        },
        answer={
            "en": "Thank you for the clear description. I have logged this as feature request FR-{fr} with the "
            "product team and linked your organization to it; the team reviews requests every month and will update "
            "the request when it is planned. As a workaround, CSV export with the “typed values” option keeps "
            "numbers as numbers.",
            "ja": "詳しくご説明いただきありがとうございます。本件を機能要望 FR-{fr} として製品チームに登録し、貴社を要望元として"
            "紐付けました。製品チームは毎月要望を確認しており、対応が決まりましたら要望を更新いたします。当面の回避策として、"
            "CSV エクスポートで「型付きの値」オプションを選択していただくと、数値が数値のまま出力されます。",
            "ru": "Спасибо за подробное описание. Мы зарегистрировали это как пожелание FR-{fr} для продуктовой "
            "команды и привязали к нему вашу организацию; команда разбирает пожелания ежемесячно и обновит запрос, "
            "когда он попадёт в план. Пока можно использовать выгрузку в CSV с опцией «типизированные значения» — "
            "числа останутся числами.",
        },
    ),
    Scenario(
        "query_webhook",
        "feature_request",
        "api",
        ("webhook", "rest_api"),
        subject={
            "en": "Feature request: webhook when a long-running query finishes",
            "ja": "機能要望：長時間クエリの完了時に Webhook で通知してほしい",
            "ru": "Пожелание: webhook по завершении долгого запроса",
        },
        body={
            "en": "We poll GET /v2/queries/{{id}} every few seconds to see whether our nightly queries have "
            "finished. A webhook on completion would save us a lot of requests. Is this on the roadmap?",
            "ja": "夜間クエリの完了を確認するため、数秒ごとに GET /v2/queries/{{id}} をポーリングしています。完了時に Webhook で"
            "通知していただければ、リクエスト数を大幅に減らせます。ロードマップに含まれていますでしょうか。",
            "ru": "Мы каждые несколько секунд опрашиваем GET /v2/queries/{{id}}, чтобы узнать, завершились ли "
            "ночные запросы. Webhook по завершении сэкономил бы нам много запросов. Есть ли это в планах?",
        },
        answer={
            "en": "A completion webhook is planned for {fix_version}; I have added your use case to FR-{fr}. Until "
            "then, the long-poll parameter wait=60 on GET /v2/queries/{{id}} returns as soon as the query finishes, "
            "which cuts the number of requests considerably.",
            "ja": "完了通知の Webhook は {fix_version} で提供予定です。貴社のユースケースを FR-{fr} に追加いたしました。それまでの"
            "間は、GET /v2/queries/{{id}} にロングポーリング用のパラメータ wait=60 を指定していただくと、クエリ完了時点ですぐに"
            "応答が返るため、リクエスト数を大きく削減できます。",
            "ru": "Webhook о завершении запланирован в {fix_version}; мы добавили ваш сценарий в FR-{fr}. Пока можно "
            "использовать параметр длинного опроса wait=60 в GET /v2/queries/{{id}}: ответ приходит сразу после "
            "завершения запроса, и число обращений заметно сокращается.",
        },
    ),
    Scenario(
        "siem_export",
        "feature_request",
        "security",
        ("audit_log", "siem"),
        subject={
            "en": "Request: stream audit logs to our SIEM",
            "ja": "要望：監査ログを SIEM にリアルタイムで連携したい",
            "ru": "Запрос: передача журнала аудита в SIEM",
        },
        body={
            "en": "Our security team wants the Lumora audit log in our SIEM in near real time. Today we download CSV "
            "files by hand once a week. Could you support syslog or an HTTPS push to a collector?",
            "ja": "弊社セキュリティチームより、Lumora の監査ログをほぼリアルタイムで SIEM に取り込みたいとの要望がございます。"
            "現在は週に1回、手作業で CSV をダウンロードしています。syslog または HTTPS によるコレクターへの送信に対応して"
            "いただけないでしょうか。",
            "ru": "Служба безопасности хочет получать журнал аудита Lumora в SIEM почти в реальном времени. Сейчас мы "
            "раз в неделю выгружаем CSV вручную. Можно ли добавить поддержку syslog или отправки по HTTPS в "
            "коллектор?",
        },
        answer={
            "en": "Streaming audit logs is on the roadmap as FR-{fr}, and I have recorded your requirement for syslog "
            "over TLS. In the meantime, the audit log is available through GET /v2/audit-events with a since "
            "parameter, which a small collector job can poll every minute; KB-{kb} has an example.",
            "ja": "監査ログのストリーミングは FR-{fr} としてロードマップに含まれており、TLS 経由の syslog というご要件を登録"
            "いたしました。それまでの間は、GET /v2/audit-events に since パラメータを指定して取得できますので、小さな収集ジョブで"
            "1分ごとにポーリングする方法をご検討ください。KB-{kb} にサンプルがございます。",
            "ru": "Потоковая передача журнала аудита есть в планах как FR-{fr}, ваше требование по syslog через TLS мы "
            "записали. Пока журнал доступен через GET /v2/audit-events с параметром since — небольшое "
            "задание-коллектор может опрашивать его раз в минуту; пример есть в статье KB-{kb}.",
        },
    ),
    Scenario(
        "merge_statement",
        "feature_request",
        "query_engine",
        ("sql", "dbt"),
        subject={
            "en": "Feature request: support for MERGE statements",
            "ja": "機能要望：MERGE 文のサポート",
            "ru": "Пожелание: поддержка MERGE",
        },
        body={
            "en": "We maintain slowly changing dimensions with DELETE + INSERT in one transaction. A standard MERGE "
            "INTO ... WHEN MATCHED THEN UPDATE ... WHEN NOT MATCHED THEN INSERT would make our dbt models much "
            "simpler. Are there plans to support it?",
            "ja": "緩やかに変化するディメンションを、1トランザクション内の DELETE + INSERT で管理しております。標準の MERGE INTO "
            "... WHEN MATCHED THEN UPDATE ... WHEN NOT MATCHED THEN INSERT が使えれば、dbt モデルを大幅に簡素化できます。"
            "サポートのご予定はありますでしょうか。",
            "ru": "Медленно меняющиеся измерения мы ведём через DELETE + INSERT в одной транзакции. Стандартный MERGE "
            "INTO ... WHEN MATCHED THEN UPDATE ... WHEN NOT MATCHED THEN INSERT сильно упростил бы наши модели dbt. "
            "Планируется ли его поддержка?",
        },
        answer={
            "en": "MERGE is planned for {fix_version}, and your request has been added to FR-{fr}. Until then, "
            "INSERT ... ON CONFLICT (key) DO UPDATE covers the upsert part of slowly changing dimensions and is "
            "supported by the dbt adapter since version 1.6.",
            "ja": "MERGE 文は {fix_version} で対応予定であり、貴社のご要望を FR-{fr} に追加いたしました。それまでの間は、INSERT "
            "... ON CONFLICT (key) DO UPDATE で SCD の upsert 部分に対応できます。dbt アダプタでもバージョン 1.6 以降で"
            "サポートされています。",
            "ru": "MERGE запланирован в {fix_version}, ваш запрос добавлен к FR-{fr}. Пока upsert для медленно "
            "меняющихся измерений можно сделать через INSERT ... ON CONFLICT (key) DO UPDATE — dbt-адаптер "
            "поддерживает это с версии 1.6.",
        },
    ),
    Scenario(
        "teams_alerts",
        "feature_request",
        "integrations",
        ("alerts", "teams"),
        subject={
            "en": "Feature request: send data alerts to Microsoft Teams",
            "ja": "機能要望：データアラートを Microsoft Teams に通知してほしい",
            "ru": "Пожелание: отправка оповещений в Microsoft Teams",
        },
        body={
            "en": "We use data alerts on the {dashboard} dashboard, for example when daily revenue drops by more than "
            "20%. Today they can only go to e-mail or Slack, but our company runs on Microsoft Teams. Could you add "
            "Teams as an alert channel?",
            "ja": "{dashboard} ダッシュボードでデータアラート（日次売上が20%以上減少した場合など）を利用しております。現在、通知先は"
            "メールと Slack のみですが、当社では全社で Microsoft Teams を使用しております。通知先として Teams を追加していただけ"
            "ないでしょうか。",
            "ru": "Мы используем оповещения по данным на дашборде {dashboard} — например, если дневная выручка падает "
            "больше чем на 20%. Сейчас их можно отправлять только на почту или в Slack, а у нас в компании всё "
            "работает в Microsoft Teams. Можно ли добавить Teams как канал оповещений?",
        },
        answer={
            "en": "Thank you, I have added your request to FR-{fr}, which the product team has planned for "
            "{fix_version}. Until then, a Teams channel can receive the alerts through its e-mail address (Channel → "
            "Get email address): add that address as a recipient of the alert and the messages appear in the channel.",
            "ja": "ご要望ありがとうございます。製品チームが {fix_version} での対応を予定している FR-{fr} に、貴社のご要望を追加"
            "いたしました。それまでの間は、Teams チャネルのメールアドレス（チャネル →「メール アドレスを取得」）をアラートの宛先に"
            "追加していただくことで、チャネルに通知を表示できます。",
            "ru": "Спасибо, мы добавили ваш запрос к FR-{fr} — продуктовая команда запланировала его на "
            "{fix_version}. А пока канал Teams может получать оповещения через свой адрес электронной почты («Канал "
            "→ Получить адрес электронной почты»): добавьте этот адрес в получатели оповещения, и сообщения будут "
            "появляться в канале.",
        },
    ),
    Scenario(
        "schema_evolution",
        "feature_request",
        "ingestion",
        ("schema", "pipelines"),
        subject={
            "en": "Feature request: add new source columns to pipelines automatically",
            "ja": "機能要望：ソース側で追加された列をパイプラインに自動で反映してほしい",
            "ru": "Пожелание: автоматически добавлять новые столбцы источника в конвейер",
        },
        body={
            "en": "Whenever our developers add a field to the {topic} events, the pipeline into {table} drops it until "
            "someone adds the column by hand. Could pipelines add new columns to the target table automatically, at "
            "least nullable ones?",
            "ja": "当社の開発チームが {topic} のイベントに項目を追加するたびに、誰かが手作業で列を追加するまで、{table} への"
            "パイプラインではその項目が取り込まれません。少なくとも NULL 許容の列については、パイプラインが対象テーブルに自動で"
            "列を追加するようにできないでしょうか。",
            "ru": "Каждый раз, когда наши разработчики добавляют поле в события {topic}, конвейер в {table} "
            "отбрасывает его, пока кто-нибудь не добавит столбец вручную. Могли бы конвейеры сами добавлять новые "
            "столбцы в целевую таблицу, хотя бы допускающие NULL?",
        },
        answer={
            "en": "Automatic schema evolution is a frequent request, tracked as FR-{fr}; I have added your case and "
            "your organization to it. In the meantime, unknown_fields = keep_in_column stores the fields the table "
            "does not have yet in a JSON column _extra, so no data is lost and the column can be filled from it "
            "once it is added.",
            "ja": "スキーマの自動反映は多くのお客様からご要望をいただいており、FR-{fr} として管理しております。貴社のユースケース"
            "と貴社名を追加いたしました。それまでの間は、unknown_fields = keep_in_column を設定していただくと、テーブルにまだ"
            "ない項目が JSON 列 _extra に保存されます。データを失うことなく、列の追加後にそこから値を移すことができます。",
            "ru": "Автоматическое изменение схемы — частая просьба, она ведётся как FR-{fr}; ваш случай и вашу "
            "организацию мы к ней добавили. Пока можно установить unknown_fields = keep_in_column: поля, которых "
            "ещё нет в таблице, будут сохраняться в JSON-столбце _extra, так что данные не потеряются, а новый "
            "столбец можно будет заполнить из него.",
        },
    ),
)

# Tickets a proactive-support engineer opens before the customer asks.
PROACTIVE: tuple[Scenario, ...] = (
    Scenario(
        "proactive_timeouts",
        "incident",
        "query_engine",
        ("proactive", "timeout"),
        subject={
            "en": "Proactive notice: repeated ERR_QUERY_TIMEOUT on {cluster}",
            "ja": "【ご案内】{cluster} で ERR_QUERY_TIMEOUT が繰り返し発生しています",
            "ru": "Проактивное уведомление: повторяющиеся ERR_QUERY_TIMEOUT на {cluster}",
        },
        body={
            "en": "We noticed that {count} queries on {cluster} failed with ERR_QUERY_TIMEOUT in the last 24 hours, "
            "most of them from the {dashboard} dashboard. KB-{kb} describes the statement timeout settings and the "
            "materialized views that usually fix this. Would you like us to review the queries with you?",
            "ja": "過去24時間に、{cluster} で{count}件のクエリが ERR_QUERY_TIMEOUT で失敗していることを確認いたしました。その多くは "
            "{dashboard} ダッシュボードからのクエリです。KB-{kb} に、通常これを解消できるタイムアウト設定とマテリアライズド"
            "ビューについて記載しております。よろしければ、弊社にてクエリの見直しをお手伝いいたします。",
            "ru": "Мы заметили, что за последние сутки {count} запросов на {cluster} завершились ошибкой "
            "ERR_QUERY_TIMEOUT, большинство — с дашборда {dashboard}. В статье KB-{kb} описаны настройки таймаута и "
            "материализованные представления, которые обычно решают проблему. Хотите, мы вместе с вами посмотрим "
            "эти запросы?",
        },
        answer={
            "en": "Thanks for the session today. As agreed, the two heaviest queries now read from a materialized "
            "view and the failures have stopped since the change.",
            "ja": "本日はお時間をいただきありがとうございました。お打ち合わせのとおり、負荷の高い2つのクエリをマテリアライズドビュー"
            "参照に変更し、変更以降エラーは発生しておりません。",
            "ru": "Спасибо за сегодняшнюю встречу. Как договорились, два самых тяжёлых запроса теперь читают из "
            "материализованного представления, и после изменения ошибок больше нет.",
        },
    ),
    Scenario(
        "proactive_seats",
        "question",
        "billing",
        ("proactive", "licence"),
        subject={
            "en": "Your licence is at {pct}% of its named-user seats",
            "ja": "【ご案内】ネームドユーザーライセンスの利用率が{pct}%に達しています",
            "ru": "Лицензия использована на {pct}% именных мест",
        },
        body={
            "en": "Your Lumora licence is now at {pct}% of its {seats} named-user seats. New users will not be able "
            "to sign in once the limit is reached. You can free seats by deactivating leavers, or we can prepare a "
            "quote for additional seats.",
            "ja": "貴社の Lumora ライセンスは、{seats}ユーザー分のうち{pct}%が使用されております。上限に達しますと、新しいユーザーが"
            "ログインできなくなります。退職者のアカウントを無効化して枠を空けていただくか、追加ライセンスのお見積りをご用意いたします。",
            "ru": "Ваша лицензия Lumora использована на {pct}% из {seats} именных мест. Когда лимит будет "
            "исчерпан, новые пользователи не смогут войти. Можно освободить места, отключив уволенных сотрудников, "
            "или мы подготовим предложение на дополнительные лицензии.",
        },
        answer={
            "en": "We have sent the quote for the additional seats to your account manager; in the meantime the "
            "limit has been raised by 10% for 30 days.",
            "ja": "追加ライセンスのお見積りを担当営業よりお送りいたしました。それまでの間、30日間に限り上限を10%引き上げております。",
            "ru": "Предложение на дополнительные лицензии отправлено вашему менеджеру; до его согласования лимит "
            "увеличен на 10% на 30 дней.",
        },
    ),
)

# --- the conversation around a scenario ------------------------------------------------------

CUSTOMER_GREETING = {
    "en": ("Hello,", "Hi team,", "Hello support team,", "Good morning,", "Hi,"),
    "ja": (
        "お世話になっております。{company}の{last}です。",
        "いつもお世話になっております。{company}の{last}でございます。",
    ),
    "ru": ("Здравствуйте!", "Добрый день!", "Коллеги, добрый день."),
}
CUSTOMER_SIGNOFF = {
    "en": (
        "Thanks,\n{first}",
        "Best regards,\n{name}\n{company}",
        "Thank you,\n{first} {last}",
        "Cheers,\n{first}",
    ),
    "ja": (
        "よろしくお願いいたします。\n\n{company}\n{last} {first}",
        "以上、よろしくお願いいたします。\n\n{last}",
    ),
    "ru": ("Спасибо!\n{first} {last}", "С уважением,\n{first} {last}\n{company}"),
}
AGENT_GREETING = {
    "en": ("Hello {first},", "Hi {first},", "Dear {first} {last},"),
    "ja": (
        "{company}\n{last}様\n\nいつもお世話になっております。Lumora サポートの{agent_last}です。",
    ),
    "ru": ("Здравствуйте, {first}!", "Добрый день, {first}!"),
}
AGENT_SIGNOFF = {
    "en": ("Best regards,\n{agent}\nLumora Support", "Kind regards,\n{agent}\nLumora Support"),
    "ja": ("引き続きよろしくお願いいたします。\n\nLumora サポート\n{agent_last}",),
    "ru": ("С уважением,\n{agent}\nСлужба поддержки Lumora",),
}

ASK_INFO = {
    "en": (
        "Thank you for reaching out. To look into this, could you send us the query profile (Query history → "
        "Download profile) and the logs from around {time}? Please also confirm the exact version of {cluster}.",
        "Thanks for the details. Does this happen every time or only occasionally? A screenshot of the full error "
        "message would also help us a lot.",
        "Thank you for your message. Could you tell us when this started and whether anything changed on your side "
        "around that time (upgrade, new data source, configuration change)?",
    ),
    "ja": (
        "お問い合わせいただきありがとうございます。調査のため、クエリプロファイル（クエリ履歴 → プロファイルをダウンロード）と、"
        "{time} 前後のログをお送りいただけますでしょうか。あわせて、{cluster} の正確なバージョンもご教示ください。",
        "詳細をお知らせいただきありがとうございます。本事象は毎回発生しますでしょうか、それとも時々でしょうか。また、エラー"
        "メッセージ全体のスクリーンショットをお送りいただけますと幸いです。",
        "ご連絡ありがとうございます。事象がいつ頃から発生しているか、またその前後で貴社側に変更（アップグレード、新しいデータ"
        "ソース、設定変更など）があったかをお知らせいただけますでしょうか。",
    ),
    "ru": (
        "Спасибо за обращение. Чтобы разобраться, пришлите, пожалуйста, профиль запроса («История запросов → "
        "Скачать профиль») и логи за период около {time}. Также уточните точную версию {cluster}.",
        "Спасибо за подробности. Подскажите, воспроизводится ли это каждый раз или только иногда? И пришлите, "
        "пожалуйста, скриншот полного текста ошибки.",
        "Спасибо за сообщение. Уточните, пожалуйста, когда это началось и менялось ли что-то у вас в это время "
        "(обновление, новый источник данных, изменение настроек)?",
    ),
}
CUSTOMER_INFO = {
    "en": (
        "Attached are the profile and the logs you asked for. We are on {version}. It happens every time the report "
        "runs.",
        "It happens every time. The full error is in the screenshot; the cluster is {cluster} on {version}.",
        "It started on Monday morning. The only change was the upgrade to {version} the weekend before.",
    ),
    "ja": (
        "ご依頼のプロファイルとログを添付いたします。バージョンは {version} です。レポート実行時に毎回発生しております。",
        "毎回発生しております。エラー全文はスクリーンショットのとおりです。クラスタは {cluster}、バージョンは {version} です。",
        "月曜日の朝から発生しております。変更点としては、その前の週末に {version} へアップグレードしたのみです。",
    ),
    "ru": (
        "Прикладываю профиль и логи, которые вы просили. Версия — {version}. Воспроизводится при каждом запуске "
        "отчёта.",
        "Воспроизводится каждый раз. Полный текст ошибки на скриншоте, кластер {cluster}, версия {version}.",
        "Началось в понедельник утром. Единственное изменение — обновление до {version} на выходных перед этим.",
    ),
}
CUSTOMER_CHASER = {
    "en": (
        "Is there any update? This is blocking our month-end reporting.",
        "Any news on this? Our users keep asking.",
    ),
    "ja": (
        "その後の状況はいかがでしょうか。月次締めのレポート作成に影響が出ております。",
        "進捗はいかがでしょうか。社内から問い合わせが続いております。",
    ),
    "ru": (
        "Есть ли новости? Это блокирует подготовку отчётности за месяц.",
        "Подскажите, есть ли продвижение? Пользователи продолжают спрашивать.",
    ),
}
CUSTOMER_CONFIRMS = {
    "en": (
        "That worked, thank you!",
        "Confirmed, the problem is gone. Thanks for the quick help.",
        "Thanks, this answers our question.",
    ),
    "ja": (
        "ご案内いただいた方法で解決いたしました。ありがとうございました。",
        "問題が解消したことを確認いたしました。迅速なご対応ありがとうございました。",
    ),
    "ru": (
        "Всё заработало, спасибо!",
        "Подтверждаем, проблема ушла. Спасибо за быструю помощь.",
        "Спасибо, это отвечает на наш вопрос.",
    ),
}
CUSTOMER_REOPEN = {
    "en": (
        "Unfortunately the problem came back this morning, with the same error.",
        "Sorry to reopen this, but we see the same behaviour again since yesterday.",
    ),
    "ja": (
        "申し訳ございませんが、本日朝より同じエラーが再発しております。",
        "恐れ入りますが、昨日から同じ事象が再び発生しております。",
    ),
    "ru": (
        "К сожалению, сегодня утром проблема вернулась — та же ошибка.",
        "Простите, что снова пишу, но со вчерашнего дня поведение то же самое.",
    ),
}
AGENT_WORKING = {
    "en": (
        "Thank you, we have reproduced the behaviour on a test cluster and are investigating. I will update you by the end of the day.",
    ),
    "ja": (
        "ありがとうございます。検証環境で事象を再現できましたので、現在調査を進めております。本日中に状況をご報告いたします。",
    ),
    "ru": (
        "Спасибо, мы воспроизвели поведение на тестовом кластере и разбираемся. Сообщу о результатах до конца дня.",
    ),
}
AGENT_ESCALATED = {
    "en": (
        "I have passed this to our back-line engineers together with the logs and profile you sent. They will get back to you directly.",
    ),
    "ja": (
        "いただいたログとプロファイルを添えて、専門チームにエスカレーションいたしました。担当エンジニアより直接ご連絡いたします。",
    ),
    "ru": (
        "Мы передали обращение инженерам второй линии вместе с присланными логами и профилем. Они свяжутся с вами напрямую.",
    ),
}
AGENT_OUTAGE_ACK = {
    "en": (
        "We are on it. An engineer is looking at {cluster} right now; next update within 30 minutes.",
    ),
    "ja": (
        "現在、エンジニアが {cluster} の状況を確認しております。30分以内に次のご報告をいたします。",
    ),
    "ru": (
        "Мы уже занимаемся. Инженер прямо сейчас смотрит {cluster}, следующее обновление — в течение 30 минут.",
    ),
}
AGENT_CONFIRM_ASK = {
    "en": ("Could you let us know whether this solves it for you?",),
    "ja": ("お手数ですが、解決したかどうかをお知らせいただけますでしょうか。",),
    "ru": ("Сообщите, пожалуйста, помогло ли это.",),
}
AGENT_CLOSING = {
    "en": (
        "Great to hear that. I am marking this ticket as solved; just reply if anything else comes up.",
    ),
    "ja": (
        "解決したとのことで安心いたしました。本チケットは解決済みとさせていただきます。その他お困りのことがございましたら、"
        "本メールにご返信ください。",
    ),
    "ru": (
        "Рады, что всё заработало. Отмечаю обращение решённым; если появятся вопросы, просто ответьте на это письмо.",
    ),
}
AGENT_NO_RESPONSE = {
    "en": (
        "We have not heard back from you, so I am marking this ticket as solved. If the question is still open, "
        "just reply and the ticket will reopen.",
    ),
    "ja": (
        "その後ご連絡がございませんでしたので、本チケットはいったん解決済みとさせていただきます。引き続きご不明な点がございましたら、"
        "本メールにご返信いただければチケットが再開されます。",
    ),
    "ru": (
        "Мы не получили ответа, поэтому отмечаю обращение решённым. Если вопрос ещё актуален, просто ответьте "
        "на это письмо — обращение откроется снова.",
    ),
}
AGENT_AFTER_REOPEN = {
    "en": (
        "Thanks for letting us know. The setting was reset by the nightly job that recreates the table; please "
        "add it to the job definition as well, then it will stay in place. I have checked that the last two runs "
        "are fine.",
    ),
    "ja": (
        "ご連絡ありがとうございます。テーブルを再作成する夜間ジョブにより、設定がリセットされていました。ジョブ定義にも同じ設定を"
        "追加していただければ、今後は維持されます。直近2回の実行が正常であることも確認いたしました。",
    ),
    "ru": (
        "Спасибо, что сообщили. Настройку сбрасывало ночное задание, которое пересоздаёт таблицу; добавьте её и "
        "в определение задания — тогда она сохранится. Мы проверили: последние два запуска прошли нормально.",
    ),
}
ENGINEERING_FIX = {
    "en": (
        "Our engineering team has confirmed a defect (ENG-{eng}), and the fix is included in {fix_version}. We "
        "have applied a hotfix to {cluster}; please let us know if you still see the problem.",
    ),
    "ja": (
        "開発チームにて不具合（ENG-{eng}）を確認し、修正は {fix_version} に含まれております。{cluster} には修正パッチを"
        "適用済みです。引き続き事象が発生する場合はお知らせください。",
    ),
    "ru": (
        "Команда разработки подтвердила дефект (ENG-{eng}), исправление вошло в {fix_version}. На {cluster} мы "
        "установили хотфикс; сообщите, пожалуйста, если проблема повторится.",
    ),
}
ENGINEERING_UNDER_WAY = {
    "en": (
        "Our engineering team is working on this as ENG-{eng}. I will keep you posted on the fix.",
    ),
    "ja": (
        "本件は開発チームにて ENG-{eng} として対応中です。修正の状況は追ってご連絡いたします。",
    ),
    "ru": ("Команда разработки работает над этим в задаче ENG-{eng}. Буду держать вас в курсе.",),
}
PHONE_OPENING = {
    "en": "Phone call with {name} ({company}). Customer reports:\n\n",
    "ja": "{company} {last}様よりお電話。内容：\n\n",
    "ru": "Звонок от {first} {last} ({company}). Клиент сообщает:\n\n",
}

# Internal notes: front line writes in the ticket's language, back line and engineering in English.
NOTE_ESCALATION = {
    "en": (
        "Escalating to tier 2.\nSummary: {subject}\nEnvironment: {cluster}, version {version}, {plan} plan.\n"
        "Repro: the customer's details and logs are in the thread; reproduced on the test cluster.\n"
        "Checked: known issues, the KB, the configuration against the documentation. No match.",
    ),
    "ja": (
        "Tier 2 へエスカレーションします。\n概要：{subject}\n環境：{cluster}、バージョン {version}、{plan} プラン\n"
        "再現：お客様からの詳細とログはスレッド内に添付済み。検証環境で再現を確認。\n確認済み：既知の不具合、KB、"
        "ドキュメントに照らした設定内容。該当なし。",
    ),
    "ru": (
        "Эскалирую на вторую линию.\nСуть: {subject}\nОкружение: {cluster}, версия {version}, тариф {plan}.\n"
        "Воспроизведение: подробности и логи клиента есть в переписке, воспроизводится на тестовом кластере.\n"
        "Проверено: известные проблемы, база знаний, настройки по документации — совпадений нет.",
    ),
}
NOTE_FRONT_LINE = {
    "en": (
        "{plan} account; CSM informed.",
        "Called the customer to clarify the setup, details above.",
        "Same question came up last week — KB-{kb} applies.",
    ),
    "ja": (
        "{plan} プランのお客様。CSM に共有済み。",
        "お客様に電話で構成を確認。内容は上記のとおり。",
        "先週も同様の問い合わせあり。KB-{kb} が該当。",
    ),
    "ru": (
        "Клиент на тарифе {plan}, CSM в курсе.",
        "Созвонились с клиентом, уточнили конфигурацию — подробности выше.",
        "На прошлой неделе был такой же вопрос — подходит KB-{kb}.",
    ),
}
NOTE_BACK_LINE = (
    "Went through the customer's logs and configuration: matches the pattern in KB-{kb}. Preparing the answer.",
    "Checked the server logs of {cluster} around {time}: same stack as ENG-{eng}. Verifying the workaround on {version}.",
    "Reproduced with the customer's data on {version}. Not a configuration issue; looks like a defect.",
)
NOTE_TO_ENGINEERING = (
    "Escalating to engineering: reproducible defect on {version}.\nRepro: steps and sample data in the thread.\n"
    "Impact: {company}, {plan} plan, production.\nLinked issue: ENG-{eng}.",
)
NOTE_ENGINEERING = (
    "Root cause found (ENG-{eng}). Fix merged to the {fix_version} branch; hotfix build deployed to {cluster}.",
    "ENG-{eng}: regression from the planner change in {version}. Patch in review, hotfix for {cluster} ready.",
)
NOTE_ON_HOLD = (
    "Logged as FR-{fr}; on hold until product management decides on the quarter's roadmap."
)
NOTE_RESTRICTED = (
    "Security-sensitive details in this thread: restricted to the people working on it."
)
PROACTIVE_REPLY = {
    "en": ("Thanks for the heads-up. Yes, please — could we do a short call this week?",),
    "ja": (
        "ご連絡ありがとうございます。ぜひお願いいたします。今週中に短いお打ち合わせの機会をいただけますでしょうか。",
    ),
    "ru": ("Спасибо, что предупредили. Да, давайте — можно созвониться на этой неделе?",),
}
AGENT_FEATURE_SHIPPED = {
    "en": (
        "Good news: the feature you asked for (FR-{fr}) is available in {fix_version}, released this week.",
    ),
    "ja": (
        "ご要望いただいた機能（FR-{fr}）は、今週リリースの {fix_version} にてご利用いただけるようになりました。",
    ),
    "ru": (
        "Хорошие новости: функция, которую вы просили (FR-{fr}), доступна в {fix_version}, вышедшей на этой неделе.",
    ),
}
