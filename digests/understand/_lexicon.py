"""Word lists shared by the people and quote finders.

These are closed-class English words (titles, speech verbs, pronouns, organisation heads),
never names of particular people or outlets: the rules must work on pages never seen.
"""

from __future__ import annotations

__all__ = [
    "ABBREVIATED_TITLES",
    "ABBREVIATIONS",
    "HONORIFICS",
    "LEADER_TITLES",
    "NON_NAME_CAPS",
    "ORG_PRONOUNS",
    "ORG_WORDS",
    "PERSON_PRONOUNS",
    "ROLE_CONNECTORS",
    "ROLE_HEADS",
    "ROLE_MODIFIERS",
    "SPEECH_VERBS",
]

# Verbs (all inflections we meet in news copy) that introduce or close a direct quotation.
_VERB_STEMS = (
    "say said says saying tell told tells telling write wrote writes writing add added adds adding "
    "ask asked asks asking noted noting explain explained explains explaining insist "
    "insisted insists tweeted tweeting stated declare declared declares "
    "announce announced announces warn warned warns warning acknowledge acknowledged acknowledges "
    "argue argued argues arguing continue continued continues recall recalled recalls remark remarked "
    "reply replied replies respond responded responds answered answers joke joked jokes "
    "concede conceded concedes admit admitted admits claimed observe observed observes "
    "posted urge urged urges testify testified testifies quip quipped quips caution "
    "cautioned cautions emphasize emphasized emphasizes emphasise emphasised stressed "
    "commented countered conclude concluded concludes predict "
    "predicted predicts promised confirm confirmed confirms deny denied denies "
    "beg begged begs plead pleaded pleads chant chanted chants shout shouted shouts yell yelled "
    "exclaim exclaimed whisper whispered mutter muttered boast boasted complain complained complains "
    "suggest suggested suggests recount recounted describe described describes reiterate reiterated "
    "assert asserted asserts maintain maintained maintains contend contended contends lament lamented "
    "reflect reflected wonder wondered worried mused muses added agreed agree agrees "
    "vow vowed vows pledge pledged scoffed scoff reported "
    # retorts and outbursts a reader reads as speech too
    "interjected interjects retorted retorts retort barked snapped retaliated mocked mocks scolded "
    "ranted chimed quipped blurted blurts remarks remarking noted notes states mentioned echoed "
    "proclaimed proclaims declaring responding replying insisting "
)
SPEECH_VERBS = frozenset(_VERB_STEMS.split())

# Nouns that make a phrase a role ("coach", "Secretary", "co-CEO").
ROLE_HEADS = frozenset(
    ["president", "presidents", "secretary", "minister", "chief", "staff", "adviser", "advisor", "envoy", "ambassador", "governor", "gov", "senator", "sen", "rep", "representative", "congressman", "congresswoman", "lawmaker", "legislator", "speaker", "superintendent", "counsel", "lawyer", "attorney", "judge", "justice", "coach", "captain", "manager", "teacher", "executive", "ceo", "co-ceo", "cfo", "coo", "cto", "founder", "co-founder", "cofounder", "chairman", "chairwoman", "chair", "chairperson", "director", "spokesman", "spokeswoman", "spokesperson", "official", "officer", "defenseman", "defender", "winger", "center", "centre", "goalie", "goalkeeper", "forward", "guard", "quarterback", "striker", "midfielder", "pitcher", "player", "singer", "songwriter", "rapper", "actor", "actress", "musician", "artist", "analyst", "economist", "professor", "researcher", "scientist", "author", "writer", "journalist", "reporter", "editor", "mayor", "commissioner", "leader", "head", "member", "general", "admiral", "commander", "colonel", "lieutenant", "sergeant", "major", "reverend", "brigadier", "corporal", "commandant", "prince", "princess", "king", "queen", "pope", "bishop", "archbishop", "cardinal", "rabbi", "imam", "pastor", "priest", "premier", "chancellor", "diplomat", "expert", "strategist", "consultant", "investor", "entrepreneur", "owner", "partner", "principal", "dean", "student", "nurse", "doctor", "physician", "surgeon", "engineer", "architect", "developer", "designer", "producer", "director-general", "secretary-general", "deputy", "vice-president", "chairman-elect", "president-elect", "aide", "adjutant", "prosecutor", "inspector", "detective", "sheriff", "constable", "chancellor", "treasurer", "comptroller", "auditor", "lobbyist", "activist", "organizer", "organiser", "campaigner", "advocate", "candidate", "nominee", "administrator", "ombudsman", "fellow", "vp", "svp", "evp", "negotiator", "trafficker", "scholar", "insider", "host", "anchor", "correspondent", "columnist", "commentator", "pollster", "historian", "staffer", "operative", "donor", "regulator"]
) | frozenset(
    # People named for what happened to them or what they do, not for an office: a reader
    # gives these as roles too ("Lakshiwnder Singh, another deportee").
    ["deportee", "victim", "suspect", "witness", "survivor", "resident", "migrant", "refugee", "patient", "protester", "supporter", "voter", "worker", "employee", "volunteer", "farmer", "chef"]
)

# Lower-case words that may sit inside a role before a name ("former", "state schools").
ROLE_MODIFIERS = frozenset(
    ["former", "acting", "deputy", "special", "senior", "junior", "chief", "legendary", "veteran", "top", "then", "interim", "assistant", "associate", "executive", "general", "national", "foreign", "defense", "defence", "security", "political", "economic", "head", "vice", "lead", "star", "longtime", "long-time", "current", "incoming", "outgoing", "retired", "founding", "managing", "team", "club", "party", "union", "campaign", "press", "communications", "policy", "health", "education", "finance", "interior", "justice", "labor", "labour", "energy", "treasury", "trade", "talent", "music", "film", "news", "sports", "tech", "industry", "market", "research", "university", "state", "schools", "school", "high", "math", "science", "history", "english", "art", "middle", "elementary", "local", "regional", "federal", "county", "city", "district", "presidential", "personal", "principal", "first", "second", "third", "assistant", "chief-of-staff", "legal", "medical", "military", "civilian", "white", "house", "royal"]
)

ROLE_CONNECTORS = frozenset({"of", "for", "to", "the", "and", "at", "on", "in"})

HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "lady", "mx"})

# Capitalised words that make a run an organisation or a place rather than a person.
ORG_WORDS = frozenset(
    ["ministry", "department", "company", "co", "inc", "corp", "corporation", "ltd", "llc", "plc", "productions", "association", "union", "party", "committee", "council", "agency", "office", "service", "services", "police", "commission", "bank", "group", "center", "centre", "institute", "university", "college", "school", "academy", "foundation", "fund", "trust", "court", "congress", "senate", "parliament", "assembly", "government", "administration", "army", "navy", "force", "forces", "guard", "conference", "summit", "league", "club", "team", "network", "news", "post", "times", "journal", "press", "agency", "studios", "studio", "entertainment", "records", "media", "channel", "airlines", "airline", "motors", "technologies", "systems", "labs", "laboratory", "hospital", "clinic", "church", "museum", "theater", "theatre", "stadium", "arena", "statehouse", "house", "hall", "street", "avenue", "road", "square", "park", "bridge", "airport", "station", "city", "county", "state", "states", "republic", "kingdom", "federation", "province", "region", "district", "island", "islands", "river", "mountain", "lake", "valley", "awards", "festival", "cup", "championship", "series", "games", "olympics", "world", "week", "day", "program", "programme", "project", "initiative", "campaign", "act", "bill", "law", "treaty", "agreement", "organization", "organisation", "coalition", "alliance", "movement", "network", "board", "bureau", "authority", "reserve", "exchange", "market", "markets", "capital", "partners", "holdings", "industries", "international", "global", "animation", "pictures", "music", "records", "label", "programs", "projects", "robotics", "aerospace", "airways", "energy", "pharmaceuticals"]
)

# Capitalised words that are never the given name of a person named in running text.
NON_NAME_CAPS = frozenset(
    ["the", "a", "an", "this", "that", "these", "those", "there", "here", "it", "its", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "my", "your", "in", "on", "at", "of", "for", "to", "from", "by", "with", "and", "or", "but", "if", "when", "while", "after", "before", "since", "as", "so", "then", "now", "yet", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "god", "internet", "web", "big", "new", "old", "great", "little", "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "upper", "lower", "greater", "first", "second", "third", "last", "next", "other", "another", "some", "many", "more", "most", "all", "every", "each", "both", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "mr", "mrs", "ms", "dr", "read", "advertisement", "photo", "image", "video", "watch", "live", "breaking", "update", "updated", "editor", "note", "us", "u.s", "uk", "u.k", "eu", "un"]
)

ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gov", "sen", "rep", "gen", "lt", "col", "capt", "sgt", "adm", "maj", "cmdr", "rev", "hon", "pres", "supt", "det", "insp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "co", "inc", "corp", "ltd", "bros", "no", "vs", "etc", "mt", "ft", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "d.c"]
)

# "the Ukrainian leader" may refer back to any of these titles.
LEADER_TITLES = frozenset(
    {"president", "prime", "premier", "chancellor", "king", "queen", "leader", "head", "chief", "emperor",
     "monarch", "ruler", "dictator", "governor", "mayor", "ceo"}
)

ABBREVIATED_TITLES = {
    "gov": "governor", "sen": "senator", "rep": "representative", "gen": "general", "lt": "lieutenant",
    "col": "colonel", "capt": "captain", "sgt": "sergeant", "adm": "admiral", "pres": "president",
    "supt": "superintendent", "sec": "secretary", "amb": "ambassador", "prof": "professor",
    "dr": "doctor", "det": "detective", "insp": "inspector", "atty": "attorney",
    "cmdr": "commander", "cmdt": "commandant", "maj": "major", "rev": "reverend", "hon": "honourable",
    "brig": "brigadier", "sr": "senior", "cpl": "corporal", "pvt": "private", "supt.": "superintendent",
}

PERSON_PRONOUNS = {"he": "m", "she": "f", "him": "m", "her": "f", "his": "m"}
ORG_PRONOUNS = frozenset({"it", "they"})
