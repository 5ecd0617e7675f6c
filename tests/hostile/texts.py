"""Article text for the hostile corpus, written for it (fictional local news, several scripts)."""

ENGLISH = [
    "The harbour authority said the new crane, delivered by barge on Sunday night, will let "
    "the east quay handle two container ships at once for the first time since the quay was "
    "rebuilt.",
    "Dock workers interviewed at the gate described the first week as slow but orderly, with "
    "lorries queuing along the ring road for no more than forty minutes at the busiest hour.",
    "Council members approved the ferry subsidy by nine votes to four after a debate in which "
    "the cost of fuel and the ageing of the island's population were raised again and again.",
    "The weather service expects the wind to turn north-west by Thursday, which would close "
    "the outer channel to small boats for at least two days and delay the regatta.",
    "Grain prices at the river exchange rose for a third week, driven, traders said, by a poor "
    "harvest upstream and by insurers raising the cost of cover for barges.",
    "A spokesman for the rail operator said the night trains would run on the old timetable "
    "until the signalling upgrade is tested, probably not before the spring.",
    "Residents of the lower town have collected more than two thousand signatures asking for "
    "the footbridge to be repaired before the autumn floods rather than replaced next year.",
    "The museum's new wing opens with a collection of ship models donated by a retired pilot "
    "who spent forty years guiding tankers through the narrows.",
    "Inspectors found that three of the seven pumping stations had not been serviced on "
    "schedule, and the water company has been given a month to explain why.",
    "Fishermen say the cold spring pushed the herring further offshore, and several crews "
    "have already asked the cooperative for an advance on next season's quota.",
    "Teachers at the harbour school plan a half-day strike next Tuesday over the number of "
    "pupils per class, the union confirmed in a letter to parents.",
    "The customs office reported a sharp fall in seized goods this quarter, which officials "
    "attributed to the new scanners rather than to any drop in smuggling attempts.",
]

RUSSIAN = [
    "Речной порт Заволжска открыл навигацию на две недели раньше обычного: лёд на реке сошёл "
    "уже в начале апреля, и первые баржи с гравием ушли вниз по течению в понедельник утром.",
    "Капитан порта рассказал, что в этом году судоходная компания получила три новых буксира, "
    "поэтому очереди у шлюзов должны стать короче, чем прошлым летом.",
    "Жители прибрежных улиц просят администрацию отремонтировать набережную до начала "
    "туристического сезона, потому что часть ограждения обрушилась во время весеннего паводка.",
    "В городской думе обещали рассмотреть обращение на ближайшем заседании и выделить деньги "
    "из резервного фонда, если смета окажется не слишком большой.",
]

ARABIC = [
    "افتتحت البلدية صباح الأحد محطة جديدة لتحلية مياه البحر على الساحل الشمالي، وقال المهندسون "
    "إنها ستوفر المياه لأكثر من أربعين ألف أسرة خلال أشهر الصيف.",
    "وأوضح مدير المشروع أن المحطة تعمل بالطاقة الشمسية في ساعات النهار، وأن تكلفة المتر المكعب "
    "من المياه انخفضت بنحو الثلث مقارنة بالمحطة القديمة.",
    "ورحب سكان القرى المجاورة بالمشروع، لكنهم طالبوا بإصلاح شبكة الأنابيب المتهالكة التي تضيع "
    "فيها كميات كبيرة من المياه قبل أن تصل إلى المنازل.",
    "ومن المتوقع أن تبدأ المرحلة الثانية من المشروع في الربيع المقبل بعد الانتهاء من دراسة "
    "الأثر البيئي على الشعاب المرجانية القريبة من الشاطئ.",
]

CHINESE = [
    "江城新建的跨江大桥于周一上午正式通车，市民一早便聚集在桥头，许多人骑着自行车第一批走过了"
    "这座全长一千二百米的大桥。",
    "大桥管理处负责人介绍，大桥设有双向六车道和独立的人行道，通车后从江北到老城区的时间将由"
    "四十分钟缩短到十分钟左右。",
    "附近的渡口将在月底停止运营，船工们表示有些不舍，但也承认乘客近年来越来越少，渡船的维修"
    "费用却一年比一年高。",
    "市交通局表示，将在桥下新开两条公交线路，并在江边修建一条步行道，预计明年夏天之前全部完工。",
]

JAPANESE = [
    "港町の漁業協同組合は日曜日、三年ぶりとなる秋の漁港まつりを開き、朝早くから家族連れや"
    "観光客でにぎわいました。",
    "会場では水揚げされたばかりのサンマやイカが格安で販売され、午前十時には用意した魚の半分"
    "以上が売り切れたということです。",
    "組合長は「若い漁師が少しずつ増えてきたので、この祭りを毎年続けていきたい」と話し、来年は"
    "夜の花火も計画していると明かしました。",
    "一方で、海水温の上昇により漁獲量は十年前の半分ほどに減っており、組合は県と協力して養殖"
    "の研究を進める方針です。",
]

GREEK = [
    "Το νέο δρομολόγιο του πλοίου προς τα μικρά νησιά θα ξεκινήσει την επόμενη Δευτέρα, "
    "ανακοίνωσε το λιμεναρχείο, ύστερα από πολύμηνες διαπραγματεύσεις με την εταιρεία.",
    "Οι κάτοικοι των νησιών ζητούσαν εδώ και χρόνια καθημερινή σύνδεση τον χειμώνα, καθώς οι "
    "γιατροί και οι δάσκαλοι ταξιδεύουν συχνά προς την πρωτεύουσα του νομού.",
    "Ο δήμαρχος δήλωσε ότι το κόστος του εισιτηρίου θα μειωθεί για τους μόνιμους κατοίκους και "
    "τους φοιτητές, χάρη σε κρατική επιδότηση που εγκρίθηκε τον περασμένο μήνα.",
    "Οι ψαράδες πάντως ανησυχούν ότι το μεγαλύτερο πλοίο θα δυσκολεύεται να δέσει στο μικρό "
    "λιμάνι όταν φυσάει δυνατός βοριάς.",
]

HINDI = [
    "इस वर्ष मानसून की पहली भारी बारिश ने शहर के कई निचले इलाकों में पानी भर दिया, और नगर निगम ने "
    "सोमवार को स्कूलों की छुट्टी घोषित कर दी।",
    "मौसम विभाग के अनुसार अगले तीन दिनों तक तटीय जिलों में तेज हवा के साथ बारिश जारी रहेगी, इसलिए "
    "मछुआरों को समुद्र में न जाने की सलाह दी गई है।",
    "किसानों ने समय पर हुई बारिश का स्वागत किया है, क्योंकि पिछले साल देर से आई बारिश के कारण धान "
    "की बुवाई कई हफ्तों तक टल गई थी।",
    "नगर आयुक्त ने बताया कि नालों की सफाई का काम पूरा नहीं हो पाया था, और अब रात में भी पंप चलाकर "
    "पानी निकाला जा रहा है।",
]

SPANISH = [  # every character is in ISO-8859-1
    "La cosecha de uva en el valle terminó con una semana de adelanto, y los viticultores "
    "aseguran que la calidad del vino de este año será excepcional pese a la sequía del verano.",
    "En la cooperativa del pueblo se recibieron más de dos millones de kilos, una cifra parecida "
    "a la del año pasado, aunque el precio pagado por kilo bajó ligeramente.",
    "Los jornaleros, muchos de ellos llegados de otras regiones, se quejaron del calor en las "
    "primeras jornadas, cuando los termómetros superaron los treinta y ocho grados.",
    "El alcalde anunció que la fiesta de la vendimia se celebrará el último sábado del mes, con "
    "música en la plaza mayor y una degustación gratuita en la bodega municipal.",
]

FRENCH = [  # typographic quotes, dashes and the euro sign: Windows-1252, not Latin-1
    "Le marché couvert rouvrira ses portes lundi après dix-huit mois de travaux, a annoncé la "
    "mairie, qui promet des loyers « raisonnables » aux commerçants revenus.",
    "Les étals de poissonniers ont été déplacés près de l’entrée nord, où l’air circule mieux ; "
    "les producteurs de fromage occupent désormais l’ancienne halle aux grains.",
    "Le chantier a coûté 4,2 millions d’euros – soit 600 000 € de plus que prévu – en raison de "
    "la découverte de fondations médiévales sous le parking.",
    "Une fête d’inauguration est prévue samedi matin, avec une dégustation d’huîtres offerte "
    "par les ostréiculteurs de la baie voisine.",
]
