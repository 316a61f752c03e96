"""Country of a message part: from the network's MCC (the first three digits of MCCMNC), else from the
number itself (``phonenumbers``, offline).

The MCC table covers the countries an SMS reseller commonly sends to (ITU-T E.212); a network whose
MCC is not listed falls back to the number. Lookups by number are cached on the leading digits, which
decide the region (NANP needs the area code, so seven digits are kept).
"""

from __future__ import annotations

import phonenumbers

MCC_COUNTRY: dict[str, str] = {
    # Europe
    "202": "GR", "204": "NL", "206": "BE", "208": "FR", "212": "MC", "213": "AD", "214": "ES", "216": "HU",
    "218": "BA", "219": "HR", "220": "RS", "222": "IT", "226": "RO", "228": "CH", "230": "CZ", "231": "SK",
    "232": "AT", "234": "GB", "235": "GB", "238": "DK", "240": "SE", "242": "NO", "244": "FI", "246": "LT",
    "247": "LV", "248": "EE", "250": "RU", "255": "UA", "257": "BY", "259": "MD", "260": "PL", "262": "DE",
    "266": "GI", "268": "PT", "270": "LU", "272": "IE", "274": "IS", "276": "AL", "278": "MT", "280": "CY",
    "282": "GE", "283": "AM", "284": "BG", "286": "TR", "293": "SI", "294": "MK", "297": "ME",
    # North America and the Caribbean
    "302": "CA", "310": "US", "311": "US", "312": "US", "313": "US", "314": "US", "315": "US", "316": "US",
    "334": "MX", "338": "JM", "368": "CU", "370": "DO", "372": "HT",
    # Asia and the Middle East
    "400": "AZ", "401": "KZ", "404": "IN", "405": "IN", "406": "IN", "410": "PK", "412": "AF", "413": "LK",
    "414": "MM", "415": "LB", "416": "JO", "417": "SY", "418": "IQ", "419": "KW", "420": "SA", "421": "YE",
    "422": "OM", "424": "AE", "425": "IL", "426": "BH", "427": "QA", "428": "MN", "429": "NP", "430": "AE",
    "431": "AE", "432": "IR", "434": "UZ", "436": "TJ", "437": "KG", "438": "TM", "440": "JP", "441": "JP",
    "450": "KR", "452": "VN", "454": "HK", "455": "MO", "456": "KH", "457": "LA", "460": "CN", "461": "CN",
    "466": "TW", "470": "BD", "472": "MV", "502": "MY", "505": "AU", "510": "ID", "514": "TL", "515": "PH",
    "520": "TH", "525": "SG", "528": "BN", "530": "NZ", "537": "PG",
    # Africa
    "602": "EG", "603": "DZ", "604": "MA", "605": "TN", "606": "LY", "607": "GM", "608": "SN", "609": "MR",
    "610": "ML", "611": "GN", "612": "CI", "613": "BF", "614": "NE", "615": "TG", "616": "BJ", "617": "MU",
    "618": "LR", "619": "SL", "620": "GH", "621": "NG", "622": "TD", "623": "CF", "624": "CM", "625": "CV",
    "628": "GA", "629": "CG", "630": "CD", "631": "AO", "633": "SC", "634": "SD", "635": "RW", "636": "ET",
    "637": "SO", "639": "KE", "640": "TZ", "641": "UG", "642": "BI", "643": "MZ", "645": "ZM", "646": "MG",
    "648": "ZW", "649": "NA", "650": "MW", "651": "LS", "652": "BW", "653": "SZ", "655": "ZA",
    # Central and South America
    "702": "BZ", "704": "GT", "706": "SV", "708": "HN", "710": "NI", "712": "CR", "714": "PA", "716": "PE",
    "722": "AR", "724": "BR", "730": "CL", "732": "CO", "734": "VE", "736": "BO", "738": "GY", "740": "EC",
    "744": "PY", "746": "SR", "748": "UY",
}


def country_of_network(network: str) -> str:
    """ISO alpha-2 of an MCCMNC such as "23410", or "" when the MCC is not in the table."""
    return MCC_COUNTRY.get((network or "")[:3], "")


# Leading seven digits → region, filled from valid numbers only (bounded: cleared when full).
_REGION_CACHE: dict[str, str] = {}
_REGION_CACHE_LIMIT = 65_536


def country_of_number(msisdn: str) -> str:
    """ISO alpha-2 of an E.164 number (digits, with or without "+"), or "".

    A number that is not valid in any region (a test range, a short number) still gets its country
    code's main region (+1 → US, +7 → RU), which is what a monitor wants to group by.
    """
    digits = "".join(ch for ch in (msisdn or "") if ch.isdigit())
    if len(digits) < 6:
        return ""
    leading = digits[:7]
    cached = _REGION_CACHE.get(leading)
    if cached is not None:
        return cached
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return ""
    region = phonenumbers.region_code_for_number(number) or ""
    if region and region != "001":
        if len(_REGION_CACHE) >= _REGION_CACHE_LIMIT:
            _REGION_CACHE.clear()
        _REGION_CACHE[leading] = region
        return region
    main = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return "" if main in ("ZZ", "001") else main


def country_for(*, network: str = "", msisdn: str = "") -> str:
    return country_of_network(network) or country_of_number(msisdn)
