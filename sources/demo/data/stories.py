"""The demo's articles: original, fictional-but-plausible prose about US-China relations.

People quoted here are invented; officials appear only by role. "when" is minutes relative
to the demo's anchor time (server start, floored to the hour).
"""

from __future__ import annotations


def paras(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.strip().split("\n\n")]


# ---------------------------------------------------------------- shared wire copy
# Reuters tariff story: reprinted by SCMP, Firstpost and Inquirer with a reworded lead.
TARIFF_CORE = paras("""
The pause keeps existing duties in place but shelves an additional 10-percentage-point levy on
a broad list of consumer electronics, machinery and furniture that had been due to take effect
at the end of the month, according to a joint statement released after a video call between the
two delegations.

Negotiators will meet in Geneva within three weeks to discuss market access for American farm
goods, Chinese purchases of U.S. energy, and what the statement described as "concerns related
to industrial subsidies and overcapacity."

"This gives both sides room to work on the hard issues without a deadline hanging over every
conversation," a senior U.S. trade official told reporters on a conference call, speaking on
condition of anonymity to discuss the talks.

China's Commerce Ministry said in a statement that the decision reflected "the spirit of equal
consultation" and urged Washington to remove what it called discriminatory restrictions on
Chinese technology companies, a reference to export controls that the statement did not name.

Markets in Asia reacted calmly. The yuan firmed slightly against the dollar in onshore trade,
and shares of Chinese makers of household appliances rose between 2% and 4% in Shanghai and
Shenzhen.

The two sides have extended similar pauses twice since last spring, and analysts cautioned that
the underlying disputes remain unresolved. "Every extension buys time, but the list of grievances
has not become any shorter," said Laura Kessner, a trade economist at a Singapore-based
investment bank.
""")

# Xinhua climate story: reprinted by CGTN and China Daily with a reworded lead.
CLIMATE_CORE = paras("""
According to a press release issued after the meeting, the two sides will exchange information
on monitoring technologies, support pilot projects to reduce methane leakage in coal mining and
natural gas transport, and hold a joint technical workshop in the second half of the year.

The working group was set up under a joint statement on climate cooperation signed by the two
countries. Its agenda covers the energy transition, methane and other non-CO2 greenhouse gases,
the circular economy and efforts to curb illegal deforestation.

Officials from China's Ministry of Ecology and Environment said that climate change is a common
challenge facing humanity, and that China and the United States, as major economies, should
strengthen dialogue and cooperation and make positive contributions to global climate
governance.

The U.S. delegation said in a statement that practical cooperation on methane could deliver
fast results, noting that cutting emissions of the potent gas is among the quickest ways to slow
near-term warming.

The two sides also discussed preparations for the next United Nations climate change conference
and agreed to maintain close communication, the press release said.
""")

RT = "Reuters"

STORIES: dict[str, dict] = {}


def story(key: str, **fields) -> None:
    STORIES[key] = fields


# ================================================================= Reuters (feed + GNews)
story(
    "tariff-reuters", outlet="reuters", host="www.reuters.com",
    path="/world/china/us-china-agree-delay-tariff-increase-set-new-round-talks/",
    title="US and China agree to delay tariff increase, set new round of talks",
    when=-200, byline="By Daniel Ashford and Mei Lin Zhou", kicker="China", tags=["Trade", "China"],
    paras=paras("""
WASHINGTON/BEIJING (Reuters) - The United States and China have agreed to hold off on a
scheduled increase in tariffs for another 90 days and to open a fresh round of working-level
negotiations, officials from both countries said, easing fears of a renewed escalation in the
trade dispute between the world's two largest economies.
""") + TARIFF_CORE,
    trailer="Reporting by Daniel Ashford in Washington and Mei Lin Zhou in Beijing; Additional "
    "reporting by Kenji Arai in Tokyo; Editing by Paul Whitcombe",
)

story(
    "strait-reuters", outlet="reuters", host="www.reuters.com",
    path="/world/asia-pacific/us-warship-sails-through-taiwan-strait-first-transit-this-year/",
    title="US warship sails through Taiwan Strait in first publicly announced transit this year",
    when=-290, byline="By Grace Liao and Tom Ferris", kicker="Asia Pacific", tags=["Taiwan", "Defence"],
    paras=paras("""
TAIPEI/BEIJING (Reuters) - A U.S. Navy destroyer sailed through the Taiwan Strait, the U.S.
military said, the first publicly announced transit of the sensitive waterway this year, drawing
a rebuke from China's military, which said it had tracked the ship throughout.

The guided-missile destroyer passed through "a corridor in the Strait that is beyond the
territorial sea of any coastal state," the U.S. Navy's Seventh Fleet said in a statement, adding
that the transit demonstrated the United States' commitment to a free and open Indo-Pacific.

China's Eastern Theater Command said it had organised naval and air forces to monitor and warn
the ship, and that troops in the theater remained on high alert. It accused Washington of
sending the wrong signals to forces seeking Taiwan's formal independence.

Taiwan's defence ministry said the ship sailed in a northerly direction and that it had watched
the passage with its own forces, detecting nothing unusual.

U.S. warships sail through the 180-km (110-mile) strait roughly once every month or two in what
Washington calls routine operations. Allies including Britain, Canada and Australia have also
sent vessels through the waterway in recent years.

The transit comes as the two countries try to steady relations ahead of planned high-level
meetings later in the year, and days after military officers from both sides held a round of
maritime safety talks in Hawaii.
"""),
    trailer="Reporting by Grace Liao in Taipei and Tom Ferris in Beijing; Editing by Miriam Kaye",
)

story(
    "chips-reuters", outlet="reuters", host="www.reuters.com",
    path="/technology/us-widens-chip-export-curbs-dozens-more-chinese-ai-firms/",
    title="US widens chip export curbs to dozens more Chinese AI firms",
    when=-340, byline="By Samuel Okafor", kicker="Technology", tags=["Semiconductors", "China"],
    paras=paras("""
WASHINGTON (Reuters) - The U.S. Commerce Department added 27 Chinese companies involved in
artificial intelligence and supercomputing to its trade blacklist and tightened rules on
shipments of high-bandwidth memory chips, in the latest effort to slow Beijing's progress in
advanced computing.

The companies include several cloud computing providers and two designers of AI accelerator
chips, according to a notice posted to the Federal Register. Firms on the so-called Entity List
cannot receive U.S.-origin items without a licence, which officials said would be presumptively
denied.

The department also said memory chips above a certain bandwidth threshold would require a
licence for export to China regardless of the end user, closing what officials described as a
gap exploited by intermediaries in third countries.

"We will continue to adapt our controls as technology changes and as we learn how our rules are
being evaded," the department's under secretary for industry and security said in a statement.

China's foreign ministry said it firmly opposed the move and would take necessary measures to
protect the legitimate rights of Chinese firms. Beijing has previously responded to chip
restrictions by limiting exports of gallium, germanium and other materials used in
semiconductors.

Shares of U.S. memory makers fell in after-hours trading. Industry groups have warned that broad
restrictions push Chinese customers toward domestic suppliers and erode the revenue American
firms need to fund research.
"""),
    trailer="Reporting by Samuel Okafor; Editing by Nick Brandt",
)

story(
    "fentanyl-reuters", outlet="reuters", host="www.reuters.com",
    path="/world/us-chinese-officials-meet-fentanyl-controls-washington-seeks-tougher-enforcement/",
    title="US, Chinese officials meet on fentanyl controls as Washington seeks tougher enforcement",
    when=-540, byline="By Andrea Whitlock", kicker="World", tags=["Fentanyl", "China"],
    paras=paras("""
WASHINGTON (Reuters) - U.S. and Chinese counternarcotics officials met in Beijing for a new round
of talks on curbing the flow of chemicals used to make fentanyl, the White House said, as
Washington pushes for more prosecutions and tighter oversight of chemical exporters.

The meeting of the bilateral counternarcotics working group focused on precursor chemicals, the
regulation of pill presses and the sharing of information on suspicious shipments, according to
a readout from the Office of National Drug Control Policy.

U.S. officials credited China with placing additional precursor chemicals under control last
year, a step that requires producers to obtain licences, but said traffickers were quickly
switching to unregulated alternatives.

"We have seen real steps, and we want to see them enforced consistently," a senior
administration official told reporters. The official said the U.S. side had shared information
on specific companies it suspects of supplying Mexican cartels.

Synthetic opioids, mostly fentanyl, were involved in tens of thousands of overdose deaths in the
United States last year, although the number has fallen from its peak.

Beijing has repeatedly said it has some of the world's strictest drug control policies and that
the root of the U.S. fentanyl crisis lies in domestic demand. It has also linked cooperation to
the removal of tariffs that Washington imposed citing fentanyl.
"""),
    trailer="Reporting by Andrea Whitlock; Editing by Howard Lyle",
)

story(
    "boeing-reuters", outlet="reuters", host="www.reuters.com",
    path="/business/aerospace-defense/boeing-resumes-jet-deliveries-chinese-airlines-after-pause/",
    title="Boeing resumes jet deliveries to Chinese airlines after months-long pause",
    when=-730, byline="By Oliver Grant and Qian Xu", kicker="Aerospace & Defense", tags=["Boeing", "China"],
    paras=paras("""
SEATTLE/SHANGHAI (Reuters) - Boeing has resumed deliveries of 737 MAX jets to Chinese airlines,
ending a pause of several months, three sources familiar with the matter said, in a sign of
easing trade tensions that had left finished aircraft parked at the planemaker's facilities.

Two jets destined for a state-owned Chinese carrier departed Seattle for Boeing's completion
centre in Zhoushan, in eastern China, where cabin interiors are installed before handover, the
sources said.

Deliveries had halted after Chinese authorities told airlines to stop accepting Boeing planes
amid the tariff dispute. About two dozen aircraft built for Chinese customers were left waiting,
and Boeing remarketed some of them to other airlines.

Boeing declined to comment on specific customers. China's civil aviation regulator did not
immediately respond to a request for comment.

China is expected to need thousands of new commercial jets over the next two decades, making it
a crucial market for both Boeing and its European rival Airbus, which has expanded its assembly
line in Tianjin.

China's homegrown C919 narrowbody, built by state-owned COMAC, has entered service with domestic
airlines but still relies on Western engines and components.
"""),
    trailer="Reporting by Oliver Grant in Seattle and Qian Xu in Shanghai; Editing by Ruth Adler",
)

story(
    "scarborough-reuters", outlet="reuters", host="www.reuters.com",
    path="/world/asia-pacific/philippines-china-trade-accusations-after-coast-guard-standoff/",
    title="Philippines, China trade accusations after coast guard standoff near Scarborough Shoal",
    when=-930, byline="By Carmela Reyes", kicker="Asia Pacific", tags=["South China Sea", "Philippines"],
    paras=paras("""
MANILA (Reuters) - The Philippines and China accused each other of dangerous manoeuvres after
coast guard vessels from both countries confronted each other near the disputed Scarborough
Shoal in the South China Sea.

The Philippine Coast Guard said a Chinese vessel used a water cannon against one of its ships
that was escorting fishing boats, damaging its navigation equipment. It released video showing
a jet of water striking the ship's bow.

China's coast guard said the Philippine vessels had illegally entered waters near the shoal,
which Beijing calls Huangyan Island, and that it had taken necessary control measures in
accordance with the law.

The United States, a treaty ally of the Philippines, said it stood with Manila and called on
China to stop what the State Department described as provocative and destabilising conduct.

The shoal, about 200 km (124 miles) off the main Philippine island of Luzon, has been the scene
of repeated confrontations since China took control of it in 2012.
"""),
    trailer="Reporting by Carmela Reyes; Editing by Martin Petty-Lowe",
)

# ================================================================= SCMP (feed + GNews)
story(
    "tariff-scmp", outlet="scmp", host="www.scmp.com",
    path="/news/china/diplomacy/article/3301418/us-and-china-hold-tariff-hike-90-days-plan-fresh-talks-geneva",
    title="US and China hold off on tariff hike for 90 days, plan fresh talks in Geneva",
    when=-185, byline="Reuters", kicker="China", tags=["US-China trade war", "Tariffs"],
    paras=paras("""
Washington and Beijing will delay a scheduled tariff increase by 90 days and resume
working-level negotiations, officials from both sides said, calming fears that the trade dispute
between the world's two largest economies was about to escalate again.
""") + TARIFF_CORE,
)

story(
    "rare-scmp", outlet="scmp", host="www.scmp.com",
    path="/economy/china-economy/article/3301377/beijing-weighs-faster-rare-earth-export-licences-us-carmakers",
    title="Exclusive | Beijing weighs faster rare-earth export licences for US carmakers",
    when=-420, byline="Ralph Cheung and Orange Wang", kicker="Economy", tags=["Rare earths", "Export controls"],
    paras=paras("""
China's Ministry of Commerce is considering a fast-track approval channel for rare-earth magnet
exports to some American car and electronics makers, according to two people familiar with the
matter, in a move that could ease one of the sharpest pressure points in the trade relationship.

The proposal, which has not been finalised, would allow exporters to apply for licences valid
for up to a year for specific customers with a record of civilian use, instead of seeking
approval shipment by shipment, the people said, asking not to be named because the discussions
are private.

Since export controls on several medium and heavy rare earths took effect, licence applications
have taken as long as 45 working days to process, and some US manufacturers have warned of
production stoppages as inventories of the magnets used in electric motors ran low.

One of the people said the fast-track channel would exclude any company with links to the US
defence industry, reflecting Beijing's concern that the materials could be diverted to military
use.

The ministry did not respond to a request for comment. At a regular briefing last month, a
spokeswoman said China would approve compliant applications in accordance with the law and was
willing to strengthen dialogue with relevant countries to keep supply chains stable.

Lin Wei-ting, a supply chain analyst at a Taipei-based consultancy, said a general licence
system would be "a meaningful concession, but also a lever Beijing can pull back at any time."
"""),
)

story(
    "space-scmp", outlet="scmp", host="www.scmp.com",
    path="/news/china/science/article/3301290/chinas-commercial-rocket-firms-race-reuse-boosters-us-lead-narrows",
    title="China's commercial rocket firms race to reuse boosters as US lead narrows",
    when=-610, byline="Ling Xin", kicker="Science", tags=["Space", "Science"],
    paras=paras("""
China's private rocket companies are racing to master reusable launch vehicles, with at least
four firms planning booster recovery attempts this year, as Beijing seeks to narrow the gap with
the American companies that dominate the global launch market.

The push follows the successful landing of a first-stage booster by a Beijing-based company,
which analysts described as the most significant achievement yet for the country's commercial
space sector.

"The technical barrier has been broken. Now it is about cadence and cost," said Derek Fong
Wai-man, a Hong Kong-based aerospace analyst. He said Chinese firms would need to fly the same
booster many times to match the economics of their US rivals.

Government support has been crucial. Local authorities in Beijing, Shanghai and Hainan province
have offered subsidies, launch sites and land to rocket start-ups, while state-owned satellite
operators have signed large launch contracts.

US officials view the progress with concern, citing the dual-use nature of launch technology.
In Washington, some lawmakers have called for restrictions on American investment in Chinese
space companies.
"""),
)

story(
    "visa-scmp", outlet="scmp", host="www.scmp.com",
    path="/news/hong-kong/education/article/3301244/hong-kong-universities-see-surge-mainland-applicants-amid-us-visa-uncertainty",
    title="Hong Kong universities see surge in mainland applicants amid US visa uncertainty",
    when=-780, byline="Sammy Heung", kicker="Hong Kong", tags=["Education", "Hong Kong"],
    paras=paras("""
Hong Kong's universities have received a sharp rise in applications from mainland Chinese
students for postgraduate research programmes, as tighter visa screening in the United States
pushes families to look for options closer to home.

Three of the city's universities told the Post that applications for research postgraduate
places in engineering and the sciences had risen by between 20 and 35 per cent compared with
the same point last year.

"We are seeing very strong candidates who previously would have gone straight to American
universities," said an admissions officer at one institution, who asked not to be named because
the figures had not been published.

Education consultants in Shenzhen and Guangzhou said the new US rules, which send applications
in certain technical fields for an extra security review, had made parents wary of delays.

The city government has set a target of attracting more non-local students as part of its
ambition to become an international education hub, and has raised the cap on non-local
admissions at publicly funded universities.

But some academics warned that Hong Kong could not fully replace the US. "The depth of the
American research system is hard to replicate," said Professor Raymond Tse Chi-wai, an education
policy scholar. "Students may come here as a second choice."
"""),
)

story(
    "climate-scmp", outlet="scmp", host="www.scmp.com",
    path="/news/china/diplomacy/article/3301355/whats-table-us-and-chinese-climate-officials-talk-methane",
    title="What's on the table as US and Chinese climate officials talk methane",
    when=-300, byline="Kathleen Magramo", kicker="China", tags=["Climate change", "Diplomacy"],
    paras=paras("""
Climate officials from the United States and China have put methane at the centre of their
cooperation, agreeing in Beijing on a two-year plan that focuses on leaks from coal mines and gas
pipelines. The choice of topic is deliberate: it is one of the few areas where the two sides'
interests overlap almost completely.

Methane traps far more heat than carbon dioxide over a 20-year period, and China is the world's
largest emitter of the gas, much of it from coal mining in Shanxi and Inner Mongolia. The US, the
largest producer of natural gas, faces its own problem with leaks along its vast pipeline
network.

"Methane is where both governments can show progress without touching the sensitive questions of
trade or technology," said Ivy Leung Ka-yan, who researches energy policy at a Hong Kong
university. "Measuring leaks is an engineering problem, not an ideological one."

Still, the roadmap is light on numbers. It contains no shared reduction target, and earlier
commitments in the working group have moved slowly, hampered by the broader deterioration in
relations and by periodic suspensions of official dialogue.

Observers will be watching whether the two sides follow up with the joint workshop promised for
the second half of the year, and whether US participation survives shifting political
priorities in Washington.
"""),
)

# ================================================================= AP
story(
    "hub-ap", outlet="ap", host="apnews.com", path="/hub/china", hub=True,
    title="China: latest news and updates", when=-60, byline="AP News", kicker="World",
    summary="The latest news about China from The Associated Press.",
)

story(
    "tariff-ap", outlet="ap", host="apnews.com",
    path="/article/china-us-tariffs-delay-trade-talks-geneva-5c1e9a7d3b2f4e60a8d7c6b5e4f3a2d1",
    title="US and China put tariff increase on hold as negotiators plan new talks",
    when=-230, byline="By RACHEL DUNMORE and HENRY CALLOWAY", kicker="Business", tags=["Trade", "China"],
    paras=paras("""
WASHINGTON (AP) — The U.S. and China stepped back from another round of tariff increases,
agreeing to a 90-day delay that gives negotiators time to meet again in Switzerland later this
month.

The decision, announced in a brief joint statement, means higher import taxes on Chinese-made
furniture, electronics and industrial equipment will not kick in as scheduled. China had
threatened matching increases on American goods, including farm products and aircraft parts.

For American retailers, the delay is a relief ahead of the spring ordering season. "Our members
were looking at price tags that would have had to go up by summer," said Teresa Molloy, who
tracks trade policy for a national retail association. "Ninety days isn't certainty, but it's
something."

Farm groups also welcomed the news. Soybean growers, who lost much of their Chinese market
during earlier trade fights, have been watching for signs that Beijing will keep buying after a
burst of purchases late last year.

The truce leaves in place tariffs that already cover hundreds of billions of dollars in trade
each year, and it does nothing to settle disputes over technology. Washington's restrictions on
advanced computer chips and the equipment used to make them are not part of the talks, U.S.
officials have said repeatedly.

Beijing has called those controls an attempt to hold back China's development and has answered
with limits of its own on exports of some minerals used in electronics and defense
manufacturing.
"""),
    trailer="Associated Press writer Jun Park in Beijing contributed to this report.",
)

story(
    "panda-ap", outlet="ap", host="apnews.com",
    path="/article/giant-pandas-san-francisco-zoo-china-loan-9a8b7c6d5e4f30211f2e3d4c5b6a7980",
    title="Two giant pandas arrive in San Francisco under new conservation loan from China",
    when=-460, byline="By MAYA ELLISON", kicker="Science", tags=["Animals", "China"],
    paras=paras("""
SAN FRANCISCO (AP) — Two giant pandas from China arrived in San Francisco aboard a chartered cargo
jet, the first of the bears to live at the city's zoo in decades, under a new breeding and
research agreement between the zoo and a Chinese conservation center.

The 4-year-old pair, a male and a female, will spend about a month in quarantine before the
public can see them, zoo officials said. Keepers traveled to Sichuan province last year to learn
how to care for them.

Pandas have long served as a barometer of relations between Washington and Beijing. Their
numbers in American zoos dwindled as loan agreements expired during years of tension, and for a
time the National Zoo in Washington had none.

"They are ambassadors, but they're also bears, and our first job is to keep them healthy," said
Dr. Elena Ruiz, the zoo's head of animal care.

Under the agreement, the zoo will pay an annual fee that goes to panda conservation programs in
China, and any cubs born here will move to China when they are a few years old.
"""),
)

story(
    "visa-ap", outlet="ap", host="apnews.com",
    path="/article/china-students-us-visas-security-review-delays-1b2c3d4e5f60718293a4b5c6d7e8f901",
    title="Chinese students face longer waits as new US visa screening rules take effect",
    when=-560, byline="By JUN PARK", kicker="World", tags=["Education", "China"],
    paras=paras("""
BEIJING (AP) — Li Yuchen had planned to begin a doctoral program in materials science in Ohio
this fall. Now the 24-year-old says she is not sure she will get there at all.

Li is among Chinese students caught up in new U.S. rules that send visa applications in certain
science and engineering fields for an additional security review. Consulates in Beijing and
Shanghai began applying the guidance this week, according to students and education agents.

"Nobody can tell me how long it will take," Li said outside a visa agency in Beijing's Chaoyang
district. "My professor says he can hold the position until August. After that, I don't know."

The State Department says the review targets a small share of applicants and is needed to
protect sensitive research. Chinese officials have called it discriminatory.

Education agents said inquiries about programs in Britain, Singapore and Hong Kong had risen
sharply. "Parents are risk averse," said Zhang Hao, who runs a consultancy for students going
abroad. "If there is a chance of delay, they look for a safer option."

American universities rely heavily on tuition from international students, and Chinese graduate
students make up a large part of the workforce in many university laboratories.
"""),
)

story(
    "cars-ap", outlet="ap", host="apnews.com",
    path="/article/senators-commerce-chinese-connected-cars-rules-7e6d5c4b3a2910f8e7d6c5b4a3928170",
    title="Senators press Commerce Department to speed up ban on Chinese connected-car technology",
    when=-800, byline="By DAVID KOENIGSBERG", kicker="Politics", tags=["Autos", "China"],
    paras=paras("""
WASHINGTON (AP) — A bipartisan group of senators urged the Commerce Department to speed up
enforcement of rules barring Chinese software and hardware from internet-connected cars sold in
the United States, saying the risks to drivers' data and national security are growing.

In a letter to the department, the senators said Chinese automakers were expanding rapidly in
Mexico and Latin America and could try to enter the U.S. market through partnerships or factories
in third countries.

The rules, finalized last year, prohibit vehicles that use certain communications and
automated-driving systems made by companies linked to China or Russia. They phase in over
several model years.

"A modern car is a computer on wheels, and it collects an enormous amount of information about
where we go and what we do," the senators wrote.

Chinese officials have criticized the rules as protectionism dressed up as security. Chinese
electric vehicle makers have largely stayed out of the U.S. market because of steep tariffs, but
China is now the world's largest exporter of cars.
"""),
)

# ================================================================= China Daily
story(
    "climate-chinadaily", outlet="chinadaily", host="www.chinadaily.com.cn",
    path="/a/world/WS69a4f2c1a310d6866eb3a1f2.html",
    title="China, US agree on methane roadmap at climate meeting",
    when=-95, byline="Xinhua", kicker="World", tags=["Climate"],
    paras=paras("""
Climate officials from China and the United States have agreed on a roadmap for cooperation on
controlling methane emissions over the next two years, after a meeting of the bilateral working
group on enhancing climate action in Beijing.
""") + CLIMATE_CORE[:4],
)

story(
    "rare-chinadaily", outlet="chinadaily", host="www.chinadaily.com.cn",
    path="/a/business/WS69a4d87ea310d6866eb3a0c4.html",
    title="Rare earth export licensing to remain orderly, MOFCOM says",
    when=-380, byline="By Zhong Nan", kicker="Business", tags=["Rare earths", "Trade"],
    paras=paras("""
China will continue to review and approve rare earth export applications that meet requirements
in accordance with laws and regulations, and is committed to maintaining the security and
stability of global industrial and supply chains, the Ministry of Commerce said.

A ministry spokesperson told a regular news conference that export controls on certain rare
earth items are a common international practice and are not targeted at any specific country or
region.

"A number of applications for civilian use have been approved, and the ministry will continue to
facilitate compliant trade," the spokesperson said, adding that China is willing to enhance
dialogue and cooperation on export control with relevant countries and regions.

China accounts for the majority of global rare earth processing capacity. Industry analysts said
the licensing system allows the country to ensure that the strategic materials are used for
legitimate civilian purposes while preventing their diversion to military end uses.

Chen Jiahui, a researcher at a Beijing-based institute of international trade, said foreign
companies with stable and transparent supply chains have generally seen their applications
processed smoothly, and that the ministry has been streamlining procedures.
"""),
)

story(
    "soy-chinadaily", outlet="chinadaily", host="www.chinadaily.com.cn",
    path="/a/business/WS69a4b311a310d6866eb39f77.html",
    title="Soybean shipments from US pick up as buyers secure spring cargoes",
    when=-500, byline="By Liu Zhihua", kicker="Business", tags=["Agriculture", "Trade"],
    paras=paras("""
Chinese importers have stepped up purchases of US soybeans for spring delivery, reflecting
improved trade conditions following recent consultations between the two countries, industry
insiders said.

Soybeans are mainly used in China to produce animal feed and cooking oil. The country imports
more than 100 million metric tons a year, with Brazil and the United States its largest
suppliers.

"Purchases follow commercial principles and market conditions," said Zhao Wenbin, an analyst
with a Dalian-based futures company, noting that processors are diversifying their sources to
manage price risks.

Experts said a stable agricultural trade relationship benefits farmers in the US and consumers
in China alike. They added that China will continue to expand imports from South America, Africa
and other regions to safeguard food security.

Agricultural trade has long been regarded as a stabilizer of China-US economic relations, and
analysts said that the latest purchases send a positive signal ahead of the next round of
talks.
"""),
)

story(
    "space-chinadaily", outlet="chinadaily", host="www.chinadaily.com.cn",
    path="/a/china/WS69a49a0ba310d6866eb39e21.html",
    title="Shenzhou crew completes spacewalk as station work advances",
    when=-660, byline="By Zhao Lei", kicker="China", tags=["Space", "Science"],
    paras=paras("""
The Shenzhou crew aboard China's Tiangong space station completed their second extravehicular
activity, installing debris protection devices and inspecting external equipment, the China
Manned Space Agency said.

The spacewalk lasted about seven hours, during which the astronauts worked with the station's
robotic arm and received support from researchers at the ground control center in Beijing.

The agency said the mission is proceeding smoothly and that the crew will carry out a series of
experiments in life sciences, materials and fluid physics in the coming weeks.

China has opened the station to international cooperation, with experiments selected from a
number of countries. NASA, however, is barred by a US law passed in 2011 from bilateral
cooperation with China without approval from Congress.

Chinese space experts said the restriction has not slowed the country's progress. "Closing the
door on cooperation hurts science more than it hurts China," said Yao Chengde, a space policy
researcher in Beijing.
"""),
)

story(
    "visa-chinadaily", outlet="chinadaily", host="www.chinadaily.com.cn",
    path="/a/opinion/WS69a47c55a310d6866eb39cf0.html",
    title="Visa barriers hurt students and both nations",
    when=-900, byline="By Wang Qian", kicker="Opinion", tags=["Opinion", "Education"],
    paras=paras("""
The latest US decision to subject Chinese students in science and engineering fields to
additional visa screening is another step backward for people-to-people exchanges, which have
long served as a foundation for China-US relations.

Generations of Chinese students have studied in the United States, contributing to American
universities, laboratories and companies. Treating them as potential security threats simply
because of their nationality runs contrary to the openness that American higher education has
long prided itself on.

The policy also sends a chilling message to young people in both countries. Surveys by education
agencies show that Chinese families are increasingly choosing other destinations, and American
universities are already feeling the financial impact.

Academic exchange is not a zero-sum game. Joint research on public health, clean energy and
climate change benefits people everywhere. Washington should stop politicizing education and
honor the consensus reached by the two countries' leaders on expanding people-to-people
exchanges.

The author is a researcher at an institute of international studies. The views do not
necessarily reflect those of China Daily.
"""),
)

# ================================================================= Global Times (Atom)
story(
    "tariff-gt", outlet="globaltimes", host="www.globaltimes.cn", path="/page/1355187.shtml",
    title="GT editorial: Tariff pause should become a starting point for rebuilding trust",
    when=-150, byline="Global Times", kicker="Opinion", tags=["Editorial"],
    paras=paras("""
The decision by China and the US to postpone a scheduled tariff increase for 90 days and restart
working-level consultations has been welcomed by businesses on both sides of the Pacific. It
shows once again that dialogue on an equal footing produces results, while pressure and threats
do not.

Over the past year, Washington has repeatedly used tariffs as a bargaining chip, often announcing
them with little warning and in a manner that disrupted supply chains far beyond the two
countries. Chinese exporters have adapted by diversifying markets, but American consumers and
farmers have paid a considerable price.

A pause alone cannot solve the deeper problems. Some in Washington still cling to the idea that
China's development must be contained through technology blockades, export controls and entity
lists. Such measures run counter to the principle of fair competition that the US itself claims
to champion.

The coming round of talks offers an opportunity for the US side to show sincerity. Practical
steps, such as easing restrictions on ordinary commercial chips and removing Chinese firms from
sanction lists without evidence, would help create a better atmosphere.

China has made clear that it does not seek a trade war, nor does it fear one. Stable economic and
trade relations serve the interests of both peoples and of the world. We hope Washington will
meet Beijing halfway.
"""),
)

story(
    "strait-gt", outlet="globaltimes", host="www.globaltimes.cn", path="/page/1355160.shtml",
    title="PLA shadows US destroyer as experts slam 'provocative' Taiwan Strait transit",
    when=-240, byline="By Liu Xuanzun", kicker="China", tags=["Military", "Taiwan"],
    paras=paras("""
The PLA Eastern Theater Command tracked and monitored a US destroyer that sailed through the
Taiwan Strait, with Chinese experts calling the move a deliberate provocation aimed at stirring
up tension at a time when the two countries are working to stabilize ties.

The US Navy publicized its so-called routine transit to display its military presence in the
region and to embolden separatist forces on the island, Zhang Junhao, a Beijing-based military
affairs expert, told the Global Times.

Zhang said the PLA's ability to monitor the entire course of such operations has grown
significantly in recent years, and that the US side is well aware its warships are under close
watch from the moment they approach the Strait.

Liu Fangqing, a research fellow on maritime affairs, noted that the US often pairs such transits
with arms sales announcements and congressional visits to the island, forming a pattern that
gradually hollows out Washington's own commitments on the one-China principle.

The experts urged the US to match its words about stabilizing relations with concrete actions,
warning that repeated provocations in the Strait could undermine the positive momentum created
by recent trade consultations.
"""),
)

story(
    "chips-gt", outlet="globaltimes", host="www.globaltimes.cn", path="/page/1355149.shtml",
    title="Chinese experts slam expanded US chip curbs as 'technological bullying'",
    when=-210, byline="By Qi Xijia", kicker="Source", tags=["Tech", "Economy"],
    paras=paras("""
Chinese experts and industry insiders criticized the latest US move to add more Chinese AI firms
to its export control list, calling it an act of technological bullying that will hurt American
companies and disrupt the global semiconductor supply chain.

The move, announced by the US Commerce Department, targets dozens of Chinese entities and
tightens controls on high-bandwidth memory chips. China's Ministry of Commerce said it firmly
opposes the US overstretching the concept of national security and abusing export control
measures.

"Each new round of sanctions only strengthens the determination of Chinese companies to develop
their own technology," said Fu Qiang, a Beijing-based technology analyst.

Fu said domestic memory makers have made rapid progress and that demand from Chinese AI
developers would give them a large market. US chipmakers, by contrast, stand to lose one of their
largest customer bases.

Analysts also noted that the US measures came just days after the two sides agreed to hold
further trade talks, raising questions about Washington's sincerity. "You cannot talk about
stabilizing relations with one hand and raise new barriers with the other," Fu said.
"""),
)

story(
    "fentanyl-gt", outlet="globaltimes", host="www.globaltimes.cn", path="/page/1355102.shtml",
    title="China-US counternarcotics cooperation shows results, but tariffs remain an obstacle: experts",
    when=-570, byline="By Yang Sheng", kicker="China", tags=["Diplomacy", "Society"],
    paras=paras("""
The China-US counternarcotics working group held a new round of talks in Beijing, and Chinese
experts said the meeting showed that cooperation based on mutual respect can produce practical
results, while urging Washington to lift tariffs imposed under the pretext of fentanyl.

China has taken a series of measures, including placing the entire category of fentanyl-related
substances under control and tightening supervision of precursor chemicals, Tang Ming, a
professor of drug policy at a public security university in Beijing, told the Global Times.

"Fentanyl abuse in the US is fundamentally a domestic problem driven by demand. China has helped
out of a humanitarian spirit, but using the issue as an excuse to raise tariffs on Chinese goods
is unfair," Tang said.

He said law enforcement agencies of the two countries have cooperated on several cross-border
cases, and that the working group mechanism should be maintained regardless of fluctuations in
the broader relationship.

Observers noted that the US side has in the past acknowledged China's efforts, and called on
Washington to meet China halfway by removing Chinese institutions from its sanctions lists.
"""),
)

story(
    "peru-gt", outlet="globaltimes", host="www.globaltimes.cn", path="/page/1355066.shtml",
    title="Chancay port a 'win-win' showcase, Peruvian officials say amid US smear",
    when=-720, byline="By Xu Keyue", kicker="World", tags=["Latin America", "BRI"],
    paras=paras("""
Peruvian officials and business representatives have praised the China-built Chancay port as a
model of mutually beneficial cooperation, rejecting US claims that the facility poses a security
risk to the region.

Since its opening, the port has significantly reduced shipping times between Peru and China and
created thousands of local jobs, a Peruvian trade official told the Global Times, calling it "a
port for all of Latin America."

Chinese experts said recent US remarks pressuring Lima reflect a Cold War mentality. "Latin
American countries have the right to choose their partners. The Monroe Doctrine belongs in the
history books," said Gao Ruixin, a Latin American studies scholar at a university in Shanghai.

Gao noted that trade between China and Latin America has grown for years and that
infrastructure such as Chancay addresses a long-standing shortage of deep-water ports on the
continent's Pacific coast.

Instead of smearing other countries' cooperation, the US should think about what it can actually
offer the region, the expert said.
"""),
)

# ================================================================= Google News-only outlets
story(
    "tariff-firstpost", outlet="firstpost", host="www.firstpost.com",
    path="/world/us-china-agree-to-hold-off-tariff-hike-as-negotiators-set-new-round-of-talks-13978512.html",
    title="US, China agree to hold off tariff hike as negotiators set new round of talks",
    when=-170, byline="FP News Desk", kicker="World", tags=["US China Trade War", "Tariffs"],
    paras=paras("""
The United States and China have put a planned increase in tariffs on hold for another 90 days
and will begin a new round of working-level talks, officials in both capitals said, easing
concerns of a fresh escalation in the trade war between the world's two biggest economies.
""") + TARIFF_CORE[:5],
    trailer="With inputs from Reuters",
)

story(
    "tariff-inquirer", outlet="inquirer", host="globalnation.inquirer.net",
    path="/287341/us-china-pause-planned-tariff-increase-set-fresh-talks",
    title="US, China pause planned tariff increase, set fresh talks",
    when=-160, byline="Reuters", kicker="Global Nation", tags=["China", "US", "Trade"],
    paras=paras("""
The United States and China agreed to hold off for 90 days on a scheduled increase in tariffs
and to start a fresh round of working-level negotiations, officials from both countries said.
""") + TARIFF_CORE[:4] + TARIFF_CORE[5:],
)

story(
    "climate-xinhua", outlet="xinhua", host="english.news.cn",
    path="/world/6a2c0f1e9b8d4e7fa3c5b1d2e4f6a8c0/c.html",
    title="China, U.S. climate working group meets in Beijing, agrees on methane cooperation roadmap",
    when=-120, byline="Source: Xinhua | Editor: Huang Yue", kicker="World", tags=[],
    paras=paras("""
BEIJING (Xinhua) -- Chinese and U.S. climate officials held a meeting of their bilateral working
group on enhancing climate action in Beijing and agreed on a roadmap for cooperation on methane
emission control over the next two years.
""") + CLIMATE_CORE,
)

story(
    "trade-xinhua", outlet="xinhua", host="english.news.cn",
    path="/world/3f9d2b7c81e64a05b9c3d7e1f2a4c6b8/c.html",
    title="Chinese vice commerce minister meets U.S. business delegation, calls for stable trade ties",
    when=-780, byline="Source: Xinhua | Editor: Zhang Rui", kicker="Business", tags=[],
    paras=paras("""
BEIJING (Xinhua) -- Chinese Vice Minister of Commerce Wang Lin met with a delegation of U.S.
business executives in Beijing, saying China welcomes American companies to keep investing and
developing in the country.

Wang said the economic and trade relationship between China and the United States is mutually
beneficial in nature, and that the recent consultations between the two sides showed that
problems can be addressed through dialogue on an equal footing.

China will continue to expand high-standard opening up, shorten the negative list for foreign
investment and improve the business environment, providing more opportunities for
foreign-funded enterprises, including those from the United States, Wang said.

Members of the delegation, representing companies in agriculture, pharmaceuticals, aviation and
consumer goods, said they valued the Chinese market and hoped the two governments would keep
communication channels open to provide a stable and predictable environment for business.

The two sides also exchanged views on issues of concern including export controls, market access
and the facilitation of personnel exchanges.
"""),
)

story(
    "climate-cgtn", outlet="cgtn", host="news.cgtn.com",
    path="/news/China-U-S-agree-methane-roadmap-at-climate-meeting-1KxQmZpWc7u/p.html",
    title="China and U.S. agree methane roadmap at climate working group meeting in Beijing",
    when=-100, byline="CGTN", kicker="China", tags=["Climate Change", "China-U.S."],
    paras=paras("""
China and the United States have agreed on a two-year roadmap for cooperation on controlling
methane emissions, following a meeting of their bilateral climate working group in Beijing.
""") + CLIMATE_CORE,
    trailer="Source(s): Xinhua News Agency",
)

story(
    "off-doping", outlet="cgtnus", host="newsus.cgtn.com",
    path="/news/anti-doping-chief-upbeat-on-funding-as-winter-games-testing-ramps-up",
    title="Anti-doping chief upbeat on funding as Winter Games testing ramps up",
    when=-380, byline="Lucas Hartmann", kicker="Sports", tags=["Sports", "Olympics"],
    paras=paras("""
MILAN -- The head of the World Anti-Doping Agency said he was optimistic that a funding dispute
with the United States could be resolved, as testers prepared for one of the largest anti-doping
programs ever run at a Winter Olympics.

In an interview with CGTN, the agency's president said more than 3,000 samples would be collected
during the Games in Milan and Cortina, including tests for newer substances that laboratories
can now detect at extremely low concentrations.

"The athletes deserve to know that the person next to them on the start line is clean," he said.
"We have never had better science, and we are using it."

He described talks with the U.S. Office of National Drug Control Policy over the country's annual
contribution as constructive, after Washington withheld part of its payment last year citing
concerns over the agency's governance.

Asked about athletes' privacy, he said the agency had strengthened its data protection rules and
that whereabouts information was accessed only by authorized testers.
"""),
)

story(
    "off-burkina", outlet="chinamil", host="eng.chinamil.com.cn",
    path="/WORLD_209198/16452688.html",
    title="UN chief condemns deadly attack on market in northern Burkina Faso",
    when=-540, byline="Source: Xinhua | Editor: Chen Lixin", kicker="World", tags=[],
    paras=paras("""
UNITED NATIONS -- The UN Secretary-General condemned an attack on a crowded market in northern
Burkina Faso that killed dozens of civilians, his spokesperson said.

The Secretary-General extended his condolences to the families of the victims and wished a swift
recovery to those injured, the spokesperson said in a statement, calling for those responsible
to be held accountable.

Local officials said gunmen arrived on motorcycles in the early afternoon and opened fire on
traders and shoppers before setting stalls alight. Several people were still missing, and the
wounded were taken to a regional hospital that appealed for blood donations.

The Secretary-General reiterated the solidarity of the United Nations with the people of Burkina
Faso and the wider Sahel region, where armed groups have carried out frequent attacks in recent
years, the statement added.
"""),
)

story(
    "strait-chinamil", outlet="chinamil", host="eng.chinamil.com.cn",
    path="/CHINA_209163/TopStories_209189/16452731.html",
    title="PLA Eastern Theater Command tracks and monitors US destroyer's Taiwan Strait transit",
    when=-260, byline="Source: China Military Online | Editor: Chen Lixin", kicker="China", tags=[],
    paras=paras("""
BEIJING -- A spokesperson for the Chinese People's Liberation Army (PLA) Eastern Theater Command
said the theater organized naval and air forces to track and monitor a US destroyer throughout
its transit of the Taiwan Strait, and criticized Washington for publicly hyping the operation.

"The whole process was under our control," the spokesperson said, adding that troops of the
theater remain on high alert at all times and will resolutely safeguard national sovereignty and
security as well as regional peace and stability.

The spokesperson said the US side's actions sent the wrong signals to separatist forces seeking
"Taiwan independence" and deliberately disrupted the regional situation.

The spokesperson reiterated that the Taiwan question is purely China's internal affair and urged
the US side to stop provocations that undermine peace across the Strait.

Military observers said the transit was the latest in a series of operations the US uses to
assert so-called freedom of navigation, and that such moves cannot change the basic fact that
both sides of the Strait belong to one and the same China.
"""),
)

story(
    "soy-bloomberg", outlet="bloomberg", host="www.bloomberg.com",
    path="/news/articles/china-steps-up-us-soybean-purchases-as-trade-truce-holds",
    title="China Steps Up US Soybean Purchases as Trade Truce Holds",
    when=-480, byline="By Hannah Ritter and Jing Wu", kicker="Markets", tags=["Commodities"],
    paras=paras("""
Chinese state buyers booked at least 10 cargoes of US soybeans this week, according to traders
with knowledge of the deals, as Beijing follows through on purchase pledges made under its trade
truce with Washington.

State stockpiler Sinograin and food processor Cofco bought the cargoes for shipment from Gulf
Coast and Pacific Northwest ports between March and May, said the traders, who asked not to be
identified because they aren't authorized to speak publicly.

The purchases, totaling roughly 650,000 metric tons, come at a time of year when Brazilian beans
are typically cheaper and dominate Chinese imports. That suggests the buying is at least partly
political, said Marcus Feld, an agricultural commodities analyst at a Chicago brokerage.

Soybean futures in Chicago rose as much as 1.4% to the highest in three weeks after the reports.

China agreed to resume buying American farm goods as part of an arrangement that also paused
some tariffs. US farmers, who sold about a quarter of their crop to China before the trade war
began, have been pushing the administration to secure longer-term commitments.
"""),
)

story(
    "drone-bloomberg-404", outlet="bloomberg", host="www.bloomberg.com", missing=True,
    path="/news/articles/us-weighs-new-curbs-on-chinese-drone-makers-people-familiar-say",
    title="US Weighs New Curbs on Chinese Drone Makers, People Familiar Say",
    when=-350, byline="Bloomberg", kicker="Politics",
    summary="US officials are weighing new restrictions on Chinese drone makers.",
)

story(
    "visa-bbc", outlet="bbc", host="www.bbc.com", path="/news/articles/c4gq7vx2lm8o",
    title="US tightens visa screening for Chinese graduate students in science fields",
    when=-650, byline="Nadia Brennan, BBC News, Washington", kicker="World", tags=[],
    paras=paras("""
The US State Department has introduced additional screening for Chinese nationals applying to
study for advanced degrees in some science and engineering fields, a move universities warn
could deter thousands of students.

Under the new guidance, consular officers will refer applications from students enrolling in
fields such as quantum computing, aerospace engineering and semiconductor design for an extra
security review, which can add several weeks to processing times.

Officials said the policy was intended to prevent the transfer of sensitive technology to
China's military, and that the great majority of Chinese students would not be affected.

China's foreign ministry said the measure was discriminatory and politicised normal
people-to-people exchanges, and urged Washington to provide a fair environment for Chinese
students.

About 270,000 Chinese students were enrolled at US institutions last year - down from a peak of
more than 370,000 - and they remain the second-largest group of international students after
Indians.

Several university associations said they supported protecting research security but feared that
long waits would push students towards the UK, Australia and Hong Kong.
"""),
)

story(
    "space-firstpost", outlet="firstpost", host="www.firstpost.com",
    path="/explainers/why-chinas-reusable-rocket-test-has-washington-watching-13977904.html",
    title="Explained: Why China's reusable rocket test has Washington watching",
    when=-710, byline="FP Explainers", kicker="Explainers", tags=["China", "Space", "US"],
    paras=paras("""
A Chinese commercial rocket company has successfully landed the first stage of a medium-lift
launcher after sending a batch of satellites to orbit, a milestone that brings China closer to
matching the reusable rockets that have given American companies a commanding lead in the launch
market.

The booster came down on a floating platform off the coast of Shandong province, according to
footage released by the company. Chinese state media described the test as a historic
breakthrough for the country's private space sector.

Why does it matter? Reusability sharply lowers the cost of putting satellites into orbit. China
is building two large constellations of internet satellites that together could number more than
25,000 spacecraft, and it needs cheap, frequent launches to deploy them.

US defence officials have repeatedly warned that China's space programme has military
dimensions, pointing to its satellite reconnaissance capabilities and tests of manoeuvrable
spacecraft. Beijing says its space activities are peaceful.

The competition extends to the Moon. Both countries aim to land astronauts there, with China
targeting a crewed landing before the end of the decade and NASA's Artemis programme facing
repeated delays.

For India, which has its own ambitions in low-cost launches, the Chinese progress is a signal
that the window to win commercial customers is narrowing.
"""),
)

# Latin-1 page; the charset is declared only in the HTTP header (sidecar), not in the HTML.
story(
    "peru-mercopress", outlet="mercopress", host="en.mercopress.com",
    path="/chancay-port-traffic-climbs-as-washington-presses-lima-over-chinese-control",
    title="Chancay port traffic climbs as Washington presses Lima over Chinese control",
    when=-840, byline="MercoPress", kicker="Peru", tags=["Peru", "China", "Ports"],
    encoding="latin-1", headers={"Content-Type": "text/html; charset=ISO-8859-1"},
    paras=paras("""
The deep-water port of Chancay, about 80 kilometres north of Lima, handled a record volume of
containers last month, according to figures released by Perú's port authority, as the
Chinese-operated terminal consolidates its position as a gateway between South America and Asia.

The port, majority-owned by the Chinese state shipping group Cosco, has cut transit times for
Peruvian blueberries, copper concentrate and avocados bound for Shanghai to around 23 days,
exporters say. Companies from Chile, Ecuador and Colombia have also begun routing cargo through
the terminal.

The growth has not gone unnoticed in Washington. A US State Department official visiting Lima
this week said Peru should make sure "critical infrastructure is not exposed to coercion", and
US lawmakers have proposed higher fees for goods shipped through ports controlled by Chinese
companies.

Peru's Foreign Ministry replied in a statement that the country maintains good relations with
all its trading partners and that investment decisions are a sovereign matter for Peruvians.

In the town of Chancay itself, where fishing once dominated the economy, opinions are mixed.
"There is more work, but the rents have gone up and the traffic is terrible," said Rosa Huamán,
who sells ceviche near the port entrance. Her neighbour, José Ñique, a retired fisherman, said
the bay "is not the same bay any more".

Analysts in Lima say the government is trying to balance the two powers. China is Perú's largest
trading partner, while the United States remains a leading source of foreign direct investment.
"""),
)

# GB2312 page; the charset is declared only in a <meta> (the HTTP header says plain text/html).
story(
    "fentanyl-newscn", outlet="newscn", host="www.news.cn",
    path="/world/4d3e8a1b7c2f49e6a05b9d8c7e6f5a41/c.html",
    title="中美禁毒合作工作组举行会议", when=-600, byline="新华社", kicker="国际",
    encoding="gb2312", headers={"Content-Type": "text/html"},
    paras=[
        "新华社北京电 中美禁毒合作工作组会议日前在北京举行。双方就芬太尼类物质管控、易制毒化学品监管、"
        "案件协查和信息交流等议题进行了深入沟通。",
        "中方代表表示，中国始终坚持对毒品“零容忍”，在芬太尼类物质管控方面采取了一系列有力措施，"
        "是世界上禁毒政策最严格、执行最彻底的国家之一。中方愿在相互尊重、平等互利的基础上，同美方开展务实合作。",
        "美方代表对中方在易制毒化学品管控方面所作的努力表示赞赏，希望双方进一步加强执法合作，"
        "共同打击跨国贩毒犯罪活动。",
        "双方同意保持工作组定期沟通，推动在案件协查、情报交流和技术研究等领域取得更多成果。",
        "分析人士指出，禁毒合作是中美关系中的积极领域，有助于增进双方互信。美方应以实际行动为双边合作"
        "营造良好氛围，取消以芬太尼为由对中国商品加征的关税。",
    ],
)


def gb_page_xinhua(story: dict) -> str:
    """The Chinese-language Xinhua page (encoded GB2312 by the generator)."""
    iso = "{{ISO:%+dm}}" % story["when"]
    stamp = "{{DATE:%+dm:%%Y-%%m-%%d %%H:%%M:%%S}}" % story["when"]
    body = "\n".join(f"<p>　　{p}</p>" for p in story["paras"])
    nav = "".join(f"<li><a href='/{slug}/'>{name}</a></li>" for slug, name in [
        ("", "首页"), ("politics", "时政"), ("world", "国际"), ("fortune", "财经"),
        ("tech", "科技"), ("culture", "文化"), ("sports", "体育"), ("video", "视频")])
    url = f"http://{story['host']}{story['path']}"
    title = story["title"]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{title}-新华网</title>
<meta name="keywords" content="禁毒,芬太尼,中美" />
<meta name="description" content="{story['paras'][0][:60]}" />
<meta property="og:title" content="{title}" />
<meta name="publishdate" content="{iso}" />
<link rel="canonical" href="{url}" />
</head>
<body>
<div class="topbar">新华网 | 新华社 | 客户端 | 登录 | 注册</div>
<header><a class="logo" href="/">新华网</a><nav><ul>{nav}</ul></nav></header>
<div class="share">分享到：微信 微博 QQ空间</div>
<div class="header-cont">
<h1 class="title">{title}</h1>
<div class="info"><span class="year">{stamp}</span> 来源：新华网</div>
</div>
<div id="detail">
{body}
</div>
<div class="editor">【责任编辑：李明】</div>
<div class="xg">相关新闻：<a href="/world/20260205/c1.html">外交部发言人就中美关系答记者问</a></div>
<div class="jiuCuo">【纠错】</div>
<footer>
<p>关于我们 | 联系我们 | 广告服务 | 网站声明 | 订阅新闻</p>
<p>版权所有 2026 新华网。保留所有权利。 制作单位：新华网股份有限公司</p>
</footer>
</body>
</html>
"""
