"""The pages' own words in Ukrainian, Russian and English (``docs/pages.md``, "Languages").

Questions and option labels come from the manifest in every language it declares; everything
else a page says is here. A key missing in one language falls back to English, so a missing
translation shows as English text rather than as a key.
"""

from __future__ import annotations

from collections.abc import Mapping

from plebiscite.interfaces.pages.i18n_legitimacy import TEXTS as _LEGITIMACY

LANGUAGES: tuple[str, ...] = ("uk", "ru", "en")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES: Mapping[str, str] = {"uk": "Українська", "ru": "Русский", "en": "English"}

_T: dict[str, tuple[str, str, str]] = {
    # key: (uk, ru, en)
    "site": ("Референдум: перевірка", "Референдум: проверка", "Referendum: check it"),
    "skip": ("Перейти до змісту", "Перейти к содержанию", "Skip to content"),
    "language": ("Мова", "Язык", "Language"),
    "nav": ("Розділи", "Разделы", "Sections"),
    "home": ("Головна", "Главная", "Home"),
    "receipt": ("Перевірити квитанцію", "Проверить квитанцию", "Check a receipt"),
    "board": ("Публічна дошка", "Публичная доска", "Public board"),
    "results": ("Результати", "Результаты", "Results"),
    "legitimacy": ("Легітимність", "Легитимность", "Legitimacy"),
    "forensics": (
        "Статистичний аналіз результатів",
        "Статистический анализ результатов",
        "Statistical analysis of results",
    ),
    "officials": ("Для посадовців", "Для должностных лиц", "Officials"),
    "home_intro": (
        "Кожен крок цього референдуму можна перевірити: бюлетені зашифровані, дошка "
        "підписана, а підрахунок може перевірити будь-хто.",
        "Каждый шаг этого референдума можно проверить: бюллетени зашифрованы, доска "
        "подписана, а подсчёт может проверить любой.",
        "Every step of this referendum can be checked: ballots are encrypted, the board is "
        "signed, and anyone can check the count.",
    ),
    "home_receipt": (
        "Знайдіть свій бюлетень за кодом відстеження та дізнайтеся, чи він врахований.",
        "Найдите свой бюллетень по коду отслеживания и узнайте, учтён ли он.",
        "Find your ballot by its tracking code and see whether it counts.",
    ),
    "home_board": (
        "Підписані заголовки дерева, останні записи, активність за регіонами та днями.",
        "Подписанные заголовки дерева, последние записи, активность по регионам и дням.",
        "Signed tree heads, recent entries, activity by region and day.",
    ),
    "home_results": (
        "Так і ні за регіонами, явка, розбивка за каналами та днями.",
        "Да и нет по регионам, явка, разбивка по каналам и дням.",
        "Yes and no by region, turnout, breakdowns by channel and day.",
    ),
    "home_legitimacy": (
        "Умови Венеціанської комісії, перевірені за маніфестом і паперовими записами.",
        "Условия Венецианской комиссии, проверенные по манифесту и бумажным записям.",
        "The Venice Commission's conditions, checked against the manifest and paper record.",
    ),
    "home_forensics": (
        "Статистичні тести результатів дільниць.",
        "Статистические тесты результатов участков.",
        "Statistical tests of the precinct results.",
    ),
    "home_officials": (
        "Пристрої, закриття голосування, паперові протоколи (потрібен токен).",
        "Устройства, закрытие голосования, бумажные протоколы (нужен токен).",
        "Devices, closing the vote, paper protocols (needs the token).",
    ),
    "no_manifest": (
        "На дошці ще немає маніфесту.",
        "На доске ещё нет манифеста.",
        "The board holds no manifest yet.",
    ),
    "status_open": ("Голосування триває", "Голосование идёт", "Voting is open"),
    "status_closed": ("Голосування закрито", "Голосование закрыто", "Voting is closed"),
    "entries": ("записів", "записей", "entries"),
    # receipt check
    "tracking_code": ("Код відстеження", "Код отслеживания", "Tracking code"),
    "receipt_help": (
        "Введіть код з вашої квитанції (увесь або його перші 8 чи більше символів; "
        "пробіли не важливі) або вставте всю квитанцію.",
        "Введите код из вашей квитанции (целиком или его первые 8 или больше символов; "
        "пробелы не важны) или вставьте всю квитанцию.",
        "Enter the code on your receipt (all of it, or its first 8 or more characters; "
        "spaces do not matter), or paste the whole receipt.",
    ),
    "receipt_json": (
        "Квитанція (JSON, необов'язково)",
        "Квитанция (JSON, необязательно)",
        "Receipt (JSON, optional)",
    ),
    "check": ("Перевірити", "Проверить", "Check"),
    "not_found": ("Не знайдено", "Не найдено", "Not found"),
    "not_found_text": (
        "На дошці немає бюлетеня з цим кодом. Перевірте код; якщо ви щойно проголосували, "
        "зачекайте хвилину. Якщо його все одно немає, повідомте спостерігача.",
        "На доске нет бюллетеня с этим кодом. Проверьте код; если вы только что "
        "проголосовали, подождите минуту. Если его всё равно нет, сообщите наблюдателю.",
        "No ballot with this code is on the board. Check the code; if you have just voted, "
        "wait a minute. If it is still missing, tell an observer.",
    ),
    "receipt_failed": (
        "Перевірка не вдалася",
        "Проверка не удалась",
        "The check failed",
    ),
    "on_board": ("Ваш бюлетень на дошці", "Ваш бюллетень на доске", "Your ballot is on the board"),
    "st_counted": ("Врахований", "Учтён", "Counted"),
    "st_home": ("Удома", "Дома", "Cast at home"),
    "st_challenged": ("Оскаржений", "Оспорен", "Challenged"),
    "why_counted": (
        "Це врахований бюлетень виборця.",
        "Это учтённый бюллетень избирателя.",
        "This is the voter's counted ballot.",
    ),
    "why_home": (
        "Бюлетень, поданий удома: він рахується, якщо ви не проголосували знову в кабіні; "
        "підрахунок застосовує це, нікому не показуючи, чи ви це зробили.",
        "Бюллетень, поданный дома: он учитывается, если вы не проголосовали снова в кабине; "
        "подсчёт применяет это, никому не показывая, сделали ли вы это.",
        "A door-to-door ballot: it counts unless you voted again in a booth; the count applies "
        "that without showing anyone whether you did.",
    ),
    "why_challenged": (
        "Його відкрили на прохання виборця, щоб перевірити пристрій; він ніколи не " "рахується.",
        "Его открыли по просьбе избирателя, чтобы проверить устройство; он никогда не "
        "учитывается.",
        "It was opened at the voter's request to check the device; it is never counted.",
    ),
    "entry": ("Запис на дошці", "Запись на доске", "Board entry"),
    "received_at": ("Отримано", "Получено", "Received"),
    "location": ("Місце", "Место", "Location"),
    "proof": ("Доказ включення", "Доказательство включения", "Inclusion proof"),
    "proof_ok": (
        "перевірено відносно останнього підписаного заголовка: дерево з {n} записів",
        "проверено относительно последнего подписанного заголовка: дерево из {n} записей",
        "checked against the latest signed head: a tree of {n} entries",
    ),
    "root": ("Корінь", "Корень", "Root"),
    "signed_by": ("Підписано ключем", "Подписано ключом", "Signed by key"),
    "kept_ok": (
        "Ваша квитанція перевірена: її заголовок підписаний дошкою, і поточна дошка "
        "продовжує його (нічого не видалено).",
        "Ваша квитанция проверена: её заголовок подписан доской, и текущая доска "
        "продолжает его (ничего не удалено).",
        "Your receipt checks out: its head is signed by the board and the current board "
        "extends it (nothing was removed).",
    ),
    "complaint": (
        "Скарга: бюлетеня з квитанції немає на дошці",
        "Жалоба: бюллетеня из квитанции нет на доске",
        "Complaint: a receipt's ballot is not on the board",
    ),
    "complaint_intro": (
        "Мобільна група дала вам квитанцію, підписану її пристроєм, а бюлетеня немає на "
        "дошці? Надішліть квитанцію: підпис пристрою буде перевірено, і висновок буде "
        "записано на дошку.",
        "Мобильная группа дала вам квитанцию, подписанную её устройством, а бюллетеня нет на "
        "доске? Отправьте квитанцию: подпись устройства будет проверена, и вывод будет "
        "записан на доску.",
        "A mobile team gave you a receipt its device signed, and the ballot is not on the "
        "board? Send the receipt: the device's signature is checked and the finding is put "
        "on the board.",
    ),
    "complaint_file": ("Файл квитанції", "Файл квитанции", "Receipt file"),
    "complaint_help": (
        "Виберіть файл квитанції або вставте її текст (JSON) повністю.",
        "Выберите файл квитанции или вставьте её текст (JSON) полностью.",
        "Choose the receipt file, or paste its whole text (JSON).",
    ),
    "complaint_send": ("Надіслати скаргу", "Отправить жалобу", "File the complaint"),
    "complaint_refused": ("Скаргу не прийнято", "Жалоба не принята", "Complaint refused"),
    "complaint_forged": (
        "Підпис пристрою не сходиться: квитанцію відхилено",
        "Подпись устройства не сходится: квитанция отклонена",
        "The device's signature does not verify: the receipt is refused",
    ),
    "complaint_on_board": (
        "Бюлетень на дошці: скаржитися нема на що",
        "Бюллетень на доске: жаловаться не на что",
        "The ballot is on the board: nothing to complain about",
    ),
    "complaint_on_board_text": (
        "Бюлетень з цим кодом записано на дошці, запис {n}. Скаргу не подано.",
        "Бюллетень с этим кодом записан на доске, запись {n}. Жалоба не подана.",
        "The ballot with this code is on the board at entry {n}. No complaint was filed.",
    ),
    "complaint_filed": ("Скаргу записано", "Жалоба записана", "Complaint filed"),
    "complaint_filed_text": (
        "Підпис пристрою перевірено, бюлетеня на дошці немає: висновок записано на дошку, "
        "запис {n}. Незалежний перевіряльник оцінить його ще раз.",
        "Подпись устройства проверена, бюллетеня на доске нет: вывод записан на доску, "
        "запись {n}. Независимый проверяющий оценит его ещё раз.",
        "The device's signature holds and the ballot is not on the board: the finding is on "
        "the board at entry {n}. The independent verifier judges it again.",
    ),
    "complaint_filed_again": (
        "Цю квитанцію вже подавали: скарга на дошці, запис {n}.",
        "Эту квитанцию уже подавали: жалоба на доске, запись {n}.",
        "This receipt was filed before: the complaint is on the board at entry {n}.",
    ),
    "home_complaint": (
        "Маєте квитанцію мобільної групи, а бюлетеня немає на дошці? Подайте скаргу.",
        "Есть квитанция мобильной группы, а бюллетеня нет на доске? Подайте жалобу.",
        "Hold a mobile team's receipt whose ballot is not on the board? File a complaint.",
    ),
    "syncs": (
        "Коли мобільні групи синхронізувалися",
        "Когда мобильные группы синхронизировались",
        "When each mobile team synced",
    ),
    "syncs_note": (
        "Бюлетені, які пристрій групи прийняв без мережі й надіслав пізніше: коли їх подано "
        "(підписано пристроєм) і коли вони надійшли на дошку (час дошки).",
        "Бюллетени, которые устройство группы приняло без сети и отправило позже: когда их "
        "подали (подписано устройством) и когда они пришли на доску (время доски).",
        "Ballots a team's device took offline and uploaded later: when they were cast (signed "
        "by the device) and when they reached the board (the board's time).",
    ),
    "no_syncs": (
        "Жодна група ще не надсилала бюлетенів, поданих без мережі.",
        "Ни одна группа ещё не отправляла бюллетеней, поданных без сети.",
        "No team has uploaded ballots cast offline yet.",
    ),
    "sync_cast": (
        "Подано (перший – останній)",
        "Поданы (первый – последний)",
        "Cast (first – last)",
    ),
    "sync_first": ("Перша синхронізація", "Первая синхронизация", "First sync"),
    "sync_last": ("Остання синхронізація", "Последняя синхронизация", "Last sync"),
    "sync_count": ("Синхронізацій", "Синхронизаций", "Syncs"),
    "sync_wait": (
        "Найдовше очікування, год",
        "Самое долгое ожидание, ч",
        "Longest wait (hours)",
    ),
    "sync_late": (
        "Після строку зберігання",
        "После срока хранения",
        "After the custody deadline",
    ),
    "device_cast_help": (
        "Пристрій мобільної групи записав ваш бюлетень і підписав цю квитанцію. Бюлетень "
        "потрапить на дошку, коли група синхронізується; тоді перевірте код. Якщо його там "
        "немає, подайте скаргу з цією квитанцією.",
        "Устройство мобильной группы записало ваш бюллетень и подписало эту квитанцию. "
        "Бюллетень попадёт на доску, когда группа синхронизируется; тогда проверьте код. "
        "Если его там нет, подайте жалобу с этой квитанцией.",
        "The mobile team's device recorded your ballot and signed this receipt. The ballot "
        "reaches the board when the team syncs; check the code then. If it is missing, file a "
        "complaint with this receipt.",
    ),
    "cast_at": ("Подано", "Подан", "Cast at"),
    "device_receipt_qr": (
        "Квитанція, підписана пристроєм (QR)",
        "Квитанция, подписанная устройством (QR)",
        "The device-signed receipt (QR)",
    ),
    "challenged_offline": (
        "записано на пристрої як оскаржений; буде опубліковано на дошці під час синхронізації",
        "записан на устройстве как оспоренный; будет опубликован на доске при синхронизации",
        "recorded on the device as challenged; published on the board when the team syncs",
    ),
    "device_recorded": (
        "Цей пристрій записав",
        "Это устройство записало",
        "This device recorded",
    ),
    "blank": ("порожньо", "пусто", "blank"),
    # board
    "latest_head": (
        "Останній підписаний заголовок",
        "Последний подписанный заголовок",
        "Latest signed head",
    ),
    "heads": ("Підписані заголовки", "Подписанные заголовки", "Signed heads"),
    "tree_size": ("Розмір дерева", "Размер дерева", "Tree size"),
    "time": ("Час", "Время", "Time"),
    "recent": ("Останні записи", "Последние записи", "Recent entries"),
    "index": ("№", "№", "#"),
    "type": ("Тип", "Тип", "Type"),
    "summary": ("Зміст", "Содержание", "Summary"),
    "by_region_day": (
        "Бюлетені за регіонами та днями",
        "Бюллетени по регионам и дням",
        "Ballots by region and day",
    ),
    "by_location_day": (
        "Бюлетені за місцями та днями",
        "Бюллетени по местам и дням",
        "Ballots by location and day",
    ),
    "region": ("Регіон", "Регион", "Region"),
    "day": ("День", "День", "Day"),
    "total": ("Усього", "Всего", "Total"),
    "activity_note": (
        "Подані бюлетені (у дужках: оскаржені). Дні за часовим поясом референдуму.",
        "Поданные бюллетени (в скобках: оспоренные). Дни по часовому поясу референдума.",
        "Ballots cast (in brackets: challenged). Days in the referendum's time zone.",
    ),
    "no_heads": (
        "Дошка ще не підписала жодного заголовка.",
        "Доска ещё не подписала ни одного " "заголовка.",
        "The board has signed no head yet.",
    ),
    "api_note": (
        "Усе це також доступно як JSON через API: ",
        "Всё это также доступно как JSON через API: ",
        "All of this is also available as JSON from the API: ",
    ),
    # results
    "no_results": (
        "Результатів ще немає: підрахунок розшифровують після закриття голосування.",
        "Результатов ещё нет: подсчёт расшифровывают после закрытия голосования.",
        "No results yet: the tally is decrypted after voting closes.",
    ),
    "registered": ("У списку", "В списке", "On the roll"),
    "ballots": ("Бюлетенів", "Бюллетеней", "Ballots"),
    "turnout": ("Явка", "Явка", "Turnout"),
    "option": ("Варіант", "Вариант", "Option"),
    "votes": ("Голоси", "Голоса", "Votes"),
    "share": ("Частка", "Доля", "Share"),
    "by_channel": ("За каналами", "По каналам", "By channel"),
    "by_day": ("За днями", "По дням", "By day"),
    "precincts": ("Дільниці", "Участки", "Precincts"),
    "district": ("Район", "Район", "District"),
    "precinct": ("Дільниця", "Участок", "Precinct"),
    "merged": (
        "об'єднано (правило малих клітинок)",
        "объединено (правило малых ячеек)",
        "merged (small-cell rule)",
    ),
    "small_cell_note": (
        "Жодна опублікована клітинка не має менше ніж {n} бюлетенів: менші об'єднано, щоб "
        "жоден підсумок не розкривав голос.",
        "Ни одна опубликованная ячейка не содержит меньше {n} бюллетеней: меньшие "
        "объединены, чтобы ни один итог не раскрывал голос.",
        "No published cell has fewer than {n} ballots: smaller ones are merged so that no "
        "subtotal reveals a vote.",
    ),
    "no_cells": (
        "Усе об'єднано за правилом малих клітинок: публікується лише підсумок регіону.",
        "Всё объединено по правилу малых ячеек: публикуется только итог региона.",
        "Everything is merged under the small-cell rule: only the region total is published.",
    ),
    "dispositions": ("Бюлетені на дошці", "Бюллетени на доске", "Ballots on the board"),
    "d_cast": ("подано", "подано", "cast"),
    "d_challenged": ("оскаржено", "оспорено", "challenged"),
    "d_superseded": ("замінено", "заменено", "superseded"),
    "d_counted": ("враховано", "учтено", "counted"),
    "downloads": ("Завантаження", "Загрузки", "Downloads"),
    "nist_live": (
        "Файл NIST SP 1500-100 v2, зібраний з дошки",
        "Файл NIST SP 1500-100 v2, собранный с доски",
        "NIST SP 1500-100 v2 file, built from the board",
    ),
    "verifier": (
        "Звіт незалежного верифікатора",
        "Отчёт независимого верификатора",
        "The independent verifier's report",
    ),
    "verifier_ok": ("Усі перевірки пройдено.", "Все проверки пройдены.", "Every check passed."),
    "verifier_failed": (
        "Деякі перевірки НЕ пройдено.",
        "Некоторые проверки НЕ пройдены.",
        "Some checks FAILED.",
    ),
    "no_verifier": (
        "Звіту верифікатора тут немає: запустіть plebiscite verify над записом.",
        "Отчёта верификатора здесь нет: запустите plebiscite verify над записью.",
        "No verifier's report here: run plebiscite verify over the record.",
    ),
    "checked_n": ("перевірено", "проверено", "checked"),
    "failed_n": ("помилок", "ошибок", "failed"),
    "passed": ("пройдено", "пройдено", "passed"),
    "failed": ("не пройдено", "не пройдено", "failed"),
    "decrypted_by": (
        "Розшифрували довірені особи",
        "Расшифровали доверенные лица",
        "Decrypted by trustees",
    ),
    "chart_alt": (
        "Так і ні {what}: {detail}",
        "Да и нет {what}: {detail}",
        "Yes and no {what}: {detail}",
    ),
    "ch_mobile_team": ("вдома (мобільна група)", "на дому (мобильная группа)", "door to door"),
    "ch_door_to_door": ("вдома (мобільна група)", "на дому (мобильная группа)", "door to door"),
    "ch_makeshift_station": ("тимчасова дільниця", "временный участок", "makeshift station"),
    "ch_regular_station": ("звичайна дільниця", "обычный участок", "regular station"),
    # reports
    "legit_intro": (
        "Кожну умову взято з Кодексу належної практики щодо референдумів Венеціанської "
        "комісії та практики БДІПЛ. «Невідомо» означає, що запис не містить потрібного; це "
        "ніколи не «пройдено». Тексти умов англійською.",
        "Каждое условие взято из Кодекса надлежащей практики проведения референдумов "
        "Венецианской комиссии и практики БДИПЧ. «Неизвестно» означает, что запись не "
        "содержит нужного; это никогда не «пройдено». Тексты условий на английском.",
        "Each condition comes from the Venice Commission's Code of Good Practice on "
        "Referendums and ODIHR practice. Unknown means the record does not hold what the "
        "condition needs; it is never a pass.",
    ),
    "condition": ("Умова", "Условие", "Condition"),
    "status": ("Стан", "Состояние", "Status"),
    "evidence": ("Підстава", "Основание", "Evidence"),
    "s_pass": ("виконано", "выполнено", "pass"),
    "s_fail": ("порушено", "нарушено", "fail"),
    "s_unknown": ("невідомо", "неизвестно", "unknown"),
    "paper_events": (
        "паперових записів на дошці",
        "бумажных записей на доске",
        "paper records on the board",
    ),
    "forensics_intro": (
        "Статистика вказує на протоколи, які навряд чи є чесним підрахунком; вона не "
        "доводить, хто що зробив. Тексти тестів англійською.",
        "Статистика указывает на протоколы, которые вряд ли являются честным подсчётом; она "
        "не доказывает, кто что сделал. Тексты тестов на английском.",
        "Statistics point at protocols that are unlikely to be honest counts; they do not "
        "prove who did what.",
    ),
    "forensics_none": (
        "Немає файлу результатів для аналізу: сервер не знає папки запису, і "
        "PLEBISCITE_FORENSICS_FILE не задано.",
        "Нет файла результатов для анализа: сервер не знает папки записи, и "
        "PLEBISCITE_FORENSICS_FILE не задан.",
        "No results file to analyse: the server knows no record folder and "
        "PLEBISCITE_FORENSICS_FILE is not set.",
    ),
    "forensics_error": ("Аналіз не вдався", "Анализ не удался", "The analysis failed"),
    "source": ("Джерело", "Источник", "Source"),
    "not_run": ("не запущено", "не запущено", "not run"),
    "regions_ranked": (
        "Регіони, найаномальніші першими",
        "Регионы, самые аномальные первыми",
        "Regions, most anomalous first",
    ),
    "stations": ("Дільниць", "Участков", "Stations"),
    "score": ("Бал", "Балл", "Score"),
    # officials
    "login": ("Увійти", "Войти", "Sign in"),
    "logout": ("Вийти", "Выйти", "Sign out"),
    "token": ("Токен органу", "Токен органа", "Authority token"),
    "login_needed": (
        "Ця сторінка для органу та посадовців. Введіть токен органу.",
        "Эта страница для органа и должностных лиц. Введите токен органа.",
        "This page is for the authority and officials. Enter the authority token.",
    ),
    "login_wrong": ("Токен неправильний.", "Токен неверный.", "The token is wrong."),
    "devices": ("Пристрої", "Устройства", "Devices"),
    "device": ("Пристрій", "Устройство", "Device"),
    "device_id": ("Ідентифікатор пристрою", "Идентификатор устройства", "Device id"),
    "public_key": ("Відкритий ключ (hex)", "Открытый ключ (hex)", "Public key (hex)"),
    "enrolled": ("Зареєстровано", "Зарегистрировано", "Enrolled"),
    "revoked": ("відкликано", "отозвано", "revoked"),
    "enrol_external": (
        "Зареєструвати зовнішній пристрій",
        "Зарегистрировать внешнее " "устройство",
        "Enrol an external device",
    ),
    "enrol": ("Зареєструвати", "Зарегистрировать", "Enrol"),
    "create_booth": (
        "Створити кабіну на цьому сервері",
        "Создать кабину на этом сервере",
        "Create a booth on this server",
    ),
    "create_booth_help": (
        "Сервер створює ключ пристрою, реєструє його і тримає в пам'яті для сторінки кабіни.",
        "Сервер создаёт ключ устройства, регистрирует его и держит в памяти для страницы "
        "кабины.",
        "The server makes a device key, enrols it and keeps it in memory for the booth page.",
    ),
    "create": ("Створити", "Создать", "Create"),
    "open_station": ("Відкрити станцію", "Открыть станцию", "Open the station"),
    "close_voting": ("Закрити голосування", "Закрыть голосование", "Close voting"),
    "close_confirm": (
        "Я розумію, що після закриття жоден бюлетень не приймається.",
        "Я понимаю, что после закрытия ни один бюллетень не принимается.",
        "I understand that no ballot is accepted after closing.",
    ),
    "close_help": (
        "Голосування відкривається за розкладом маніфесту; закриття публікує подію "
        "voting_closed.",
        "Голосование открывается по расписанию манифеста; закрытие публикует событие "
        "voting_closed.",
        "Voting opens by the manifest's schedule; closing posts a voting_closed event.",
    ),
    "done_leaf": (
        "Готово: запис {n} на дошці.",
        "Готово: запись {n} на доске.",
        "Done: board entry {n}.",
    ),
    "refused": ("Відмовлено", "Отказано", "Refused"),
    "clock": ("Час сервера", "Время сервера", "Server time"),
    "protocol": ("Паперовий протокол", "Бумажный протокол", "Paper protocol"),
    "protocol_help": (
        "Введіть рядки протоколу дільничної комісії. Контрольні співвідношення "
        "перевіряються під час введення; протокол зберігається як поданий, порушення "
        "позначаються, ніколи не виправляються.",
        "Введите строки протокола участковой комиссии. Контрольные соотношения проверяются "
        "при вводе; протокол сохраняется как подан, нарушения помечаются, никогда не "
        "исправляются.",
        "Enter the lines of the precinct commission's protocol. The control relations are "
        "checked as you type; the protocol is stored as submitted, failures are flagged, "
        "never corrected.",
    ),
    "choose_protocol": ("Дільниця та питання", "Участок и вопрос", "Precinct and question"),
    "next": ("Далі", "Далее", "Next"),
    "version": ("Версія", "Версия", "Version"),
    "reason": ("Причина виправлення", "Причина исправления", "Reason for a correction"),
    "signers": (
        "Підписали (через кому)",
        "Подписали (через запятую)",
        "Signed by (comma-separated)",
    ),
    "signed_at": ("Підписано о", "Подписано в", "Signed at"),
    "filing_device": (
        "Пристрій дільниці, що подає протокол",
        "Устройство участка, подающее протокол",
        "The station device filing the protocol",
    ),
    "no_filing_device": (
        "Цей сервер не веде жодного пристрою дільниці",
        "Этот сервер не ведёт ни одного устройства участка",
        "This server runs no device of the precinct's stations",
    ),
    "signed_protocol": (
        "Або вставте протокол, підписаний пристроєм дільниці (JSON, plebiscite paper sign)",
        "Или вставьте протокол, подписанный устройством участка (JSON, plebiscite paper sign)",
        "Or paste a protocol signed by the station's device (JSON, plebiscite paper sign)",
    ),
    "relations": ("Контрольні співвідношення", "Контрольные соотношения", "Control relations"),
    "submit": ("Подати", "Подать", "Submit"),
    "rel_ok": ("виконується", "выполняется", "holds"),
    "rel_hard": ("порушено", "нарушено", "broken"),
    "rel_soft": ("попередження", "предупреждение", "warning"),
    "flags": ("Позначки", "Отметки", "Flags"),
    "none": ("немає", "нет", "none"),
    "stored": ("Збережено", "Сохранено", "Stored"),
    "needs_js": (
        "Без JavaScript співвідношення перевіряються під час подання.",
        "Без JavaScript соотношения проверяются при подаче.",
        "Without JavaScript the relations are checked on submission.",
    ),
    # station and booth
    "station": ("Станція", "Станция", "Station"),
    "station_help": (
        "Посадовець перевіряє виборця за списком і вводить його псевдонім; кабіна "
        "відкривається для цього виборця.",
        "Должностное лицо проверяет избирателя по списку и вводит его псевдоним; кабина "
        "открывается для этого избирателя.",
        "The official checks the voter against the roll and enters their pseudonym; the "
        "booth opens for that voter.",
    ),
    "voter": ("Псевдонім виборця", "Псевдоним избирателя", "Voter pseudonym"),
    "voter_lang": ("Мова виборця", "Язык избирателя", "Voter's language"),
    "check_in": (
        "Зареєструвати та відкрити кабіну",
        "Зарегистрировать и открыть кабину",
        "Check in and open the booth",
    ),
    "booth": ("Кабіна для голосування", "Кабина для голосования", "Voting booth"),
    "step": ("Крок {i} з 4", "Шаг {i} из 4", "Step {i} of 4"),
    "choose_help": (
        "Оберіть одну відповідь. Ви зможете переглянути вибір перед подачею.",
        "Выберите один ответ. Вы сможете просмотреть выбор перед подачей.",
        "Choose one answer. You can review your choice before casting.",
    ),
    "review": ("Переглянути вибір", "Просмотреть выбор", "Review my choice"),
    "you_chose": ("Ви обрали", "Вы выбрали", "You chose"),
    "change": ("Змінити", "Изменить", "Change"),
    "seal": (
        "Зашифрувати та показати код",
        "Зашифровать и показать код",
        "Encrypt and show my tracking code",
    ),
    "answer_all": (
        "Дайте відповідь на кожне питання.",
        "Ответьте на каждый вопрос.",
        "Answer every question.",
    ),
    "code_help": (
        "Ваш бюлетень зашифровано. Запишіть або сфотографуйте код: за ним ви знайдете "
        "бюлетень на дошці. Тепер оберіть:",
        "Ваш бюллетень зашифрован. Запишите или сфотографируйте код: по нему вы найдёте "
        "бюллетень на доске. Теперь выберите:",
        "Your ballot is encrypted. Write down or photograph the code: with it you will "
        "find your ballot on the board. Now choose:",
    ),
    "cast": ("Подати бюлетень", "Подать бюллетень", "Cast my ballot"),
    "cast_help": ("Бюлетень рахуватиметься.", "Бюллетень будет учтён.", "The ballot counts."),
    "challenge": (
        "Перевірити пристрій (оскаржити)",
        "Проверить устройство (оспорить)",
        "Check the device (challenge)",
    ),
    "challenge_help": (
        "Пристрій відкриє цей бюлетень і покаже, що він записав. Цей бюлетень не "
        "рахуватиметься; потім ви проголосуєте знову новим бюлетенем.",
        "Устройство откроет этот бюллетень и покажет, что оно записало. Этот бюллетень не "
        "будет учтён; затем вы проголосуете снова новым бюллетенем.",
        "The device opens this ballot and shows what it recorded. This ballot will not "
        "count; you then vote again with a fresh ballot.",
    ),
    "cast_done": ("Ваш бюлетень подано", "Ваш бюллетень подан", "Your ballot is cast"),
    "cast_done_help": (
        "Його записано на дошці. Збережіть код відстеження, щоб перевірити бюлетень вдома.",
        "Он записан на доске. Сохраните код отслеживания, чтобы проверить бюллетень дома.",
        "It is recorded on the board. Keep the tracking code to check your ballot at home.",
    ),
    "download_receipt": (
        "Завантажити квитанцію (JSON)",
        "Скачать квитанцию (JSON)",
        "Download the receipt (JSON)",
    ),
    "check_now": ("Перевірити зараз", "Проверить сейчас", "Check it now"),
    "challenged_title": ("Бюлетень відкрито", "Бюллетень открыт", "The ballot was opened"),
    "challenged_help": (
        "Порівняйте з тим, що ви обрали. Якщо це не ваш вибір, повідомте посадовця та "
        "спостерігача: пристрій може бути несправним. Цей бюлетень опубліковано відкритим і "
        "він ніколи не рахується.",
        "Сравните с тем, что вы выбрали. Если это не ваш выбор, сообщите должностному лицу "
        "и наблюдателю: устройство может быть неисправно. Этот бюллетень опубликован "
        "открытым и никогда не учитывается.",
        "Compare it with what you chose. If it is not your choice, tell an official and an "
        "observer: the device may be faulty. This ballot is published opened and never "
        "counts.",
    ),
    "vote_again": (
        "Голосувати знову новим бюлетенем",
        "Голосовать снова новым бюллетенем",
        "Vote again with a fresh ballot",
    ),
    "session_over": (
        "Сеанс кабіни завершено.",
        "Сеанс кабины завершён.",
        "This booth session is over.",
    ),
    "no_session": (
        "Немає такого сеансу кабіни.",
        "Нет такого сеанса кабины.",
        "No such booth session.",
    ),
    "session_finished": (
        "Цей бюлетень уже подано: сеанс кабіни завершено.",
        "Этот бюллетень уже подан: сеанс кабины завершён.",
        "This ballot is already cast: the booth session is over.",
    ),
    "error": ("Помилка", "Ошибка", "Error"),
    "page_not_found": ("Сторінку не знайдено", "Страница не найдена", "Page not found"),
    **_LEGITIMACY,  # the legitimacy report's words (i18n_legitimacy.py)
    # --- every tracking code on the board (pages/codes.py) ---
    "codes": ("Усі коди відстеження", "Все коды отслеживания", "All tracking codes"),
    "codes_intro": (
        "Кожен бюлетень на дошці, вкинутий чи оскаржений, за його кодом відстеження. "
        "Введіть початок свого коду, щоб знайти його.",
        "Каждый бюллетень на доске, опущенный или оспоренный, по его коду отслеживания. "
        "Введите начало своего кода, чтобы найти его.",
        "Every ballot on the board, cast or challenged, by its tracking code. Type the "
        "start of your code to find it.",
    ),
    "codes_prefix": ("Початок коду", "Начало кода", "Start of the code"),
    "codes_find": ("Знайти", "Найти", "Find"),
    "codes_count": (
        "Бюлетенів з таким початком коду: {n}",
        "Бюллетеней с таким началом кода: {n}",
        "Ballots whose code starts so: {n}",
    ),
    "codes_next": ("Наступна сторінка", "Следующая страница", "Next page"),
    "codes_download": (
        "Завантажити всі коди (текст)",
        "Скачать все коды (текст)",
        "Download every code (text)",
    ),
    "codes_kind_cast": ("вкинутий", "опущен", "cast"),
    "codes_kind_challenged": ("оскаржений", "оспорен", "challenged"),
    "precincts_merged": (
        "дільниці цього району не опубліковано окремо (правило малих клітинок)",
        "участки этого района не опубликованы отдельно (правило малых ячеек)",
        "this district's precincts are not published one by one (small-cell rule)",
    ),
    # Station credentials and the booth terminal (kiosk).
    "station_login": ("Вхід для дільниці", "Вход для участка", "Station sign-in"),
    "station_login_help": (
        "Увійдіть з обліковими даними вашої дільниці, виданими організатором.",
        "Войдите с учётными данными вашего участка, выданными организатором.",
        "Sign in with your station's credential, issued by the authority.",
    ),
    "station_credential": (
        "Облікові дані дільниці",
        "Учётные данные участка",
        "Station credential",
    ),
    "station_login_wrong": (
        "Ці облікові дані невідомі або відкликані.",
        "Эти учётные данные неизвестны или отозваны.",
        "This credential is unknown or has been revoked.",
    ),
    "kiosk": ("Кабіна", "Кабина", "Booth terminal"),
    "kiosk_pair_help": (
        "Введіть код підключення, який показує сторінка дільниці.",
        "Введите код подключения, который показывает страница участка.",
        "Type the pairing code the station page shows.",
    ),
    "kiosk_pair_code": ("Код підключення", "Код подключения", "Pairing code"),
    "kiosk_pair": ("Підключити", "Подключить", "Pair"),
    "kiosk_pair_wrong": (
        "Код неправильний або вже використаний.",
        "Код неверный или уже использован.",
        "The code is wrong or already used.",
    ),
    "kiosk_wait": ("Кабіна вільна", "Кабина свободна", "The booth is free"),
    "kiosk_wait_help": (
        "Наступного виборця зареєструє посадовець дільниці; тоді тут з'явиться бюлетень.",
        "Следующего избирателя зарегистрирует должностное лицо участка; тогда здесь "
        "появится бюллетень.",
        "An official of the station checks the next voter in; the ballot then appears here.",
    ),
    "kiosk_next": ("Завершити", "Завершить", "Finish"),
    "kiosk_pairing": ("Термінал кабіни", "Терминал кабины", "Booth terminal"),
    "kiosk_pairing_help": (
        "На терміналі кабіни відкрийте {path} і введіть цей код.",
        "На терминале кабины откройте {path} и введите этот код.",
        "On the booth terminal, open {path} and type this code.",
    ),
    "kiosk_paired": (
        "Термінал підключено.",
        "Терминал подключён.",
        "A terminal is paired.",
    ),
    "kiosk_new_code": ("Новий код", "Новый код", "New code"),
    "station_checked_in": (
        "Виборця зареєстровано: бюлетень відкрито на терміналі кабіни.",
        "Избиратель зарегистрирован: бюллетень открыт на терминале кабины.",
        "The voter is checked in: the ballot is open on the booth terminal.",
    ),
    "station_in_booth": (
        "У кабіні виборець.",
        "В кабине избиратель.",
        "A voter is in the booth.",
    ),
    "station_booth_free": ("Кабіна вільна.", "Кабина свободна.", "The booth is free."),
    "credentials": (
        "Облікові дані дільниць",
        "Учётные данные участков",
        "Station credentials",
    ),
    "credential_issue": ("Видати", "Выдать", "Issue"),
    "credential_issued": (
        "Облікові дані для {station} (показано один раз): {secret}",
        "Учётные данные для {station} (показаны один раз): {secret}",
        "Credential for {station} (shown once): {secret}",
    ),
    "credential_revoke": ("Відкликати", "Отозвать", "Revoke"),
    "credential_public": ("Відкрита частина", "Открытая часть", "Public part"),
    "credential_revoked": ("відкликано", "отозвано", "revoked"),
    "browser_booth": (
        "шифрування в браузері кабіни",
        "шифрование в браузере кабины",
        "encrypts in the booth terminal's browser",
    ),
}


def translate(lang: str, key: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` (English if missing), with ``{name}`` filled in."""
    row = _T.get(key)
    if row is None:
        return key
    text = row[LANGUAGES.index(lang)] if lang in LANGUAGES else row[2]
    return text.format(**values) if values else text


def keys() -> frozenset[str]:
    return frozenset(_T)


def pick(labels: Mapping[str, str], lang: str) -> str:
    """A manifest text in ``lang``, else English, else any language it has."""
    for candidate in (lang, DEFAULT_LANGUAGE):
        if labels.get(candidate):
            return labels[candidate]
    return next(iter(labels.values()), "")


__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LANGUAGE_NAMES", "keys", "pick", "translate"]
