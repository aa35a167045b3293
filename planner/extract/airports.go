package extract

import "time"

// airportZones maps IATA airport codes to the IANA time zone of the
// airport. Airline confirmations print departure and arrival times in the
// local time of each airport, so a departure time is read in its airport's
// zone. The table covers the world's busiest airports (passenger traffic)
// and the smaller European ones common in confirmations. Cities whose
// airlines publish a national time rather than the solar zone follow the
// airlines (Ürümqi flies on Beijing time). It is never written to.
var airportZones = map[string]string{
	// United States.
	"ATL": "America/New_York", "DFW": "America/Chicago", "DEN": "America/Denver", "ORD": "America/Chicago",
	"LAX": "America/Los_Angeles", "JFK": "America/New_York", "LAS": "America/Los_Angeles", "MCO": "America/New_York",
	"MIA": "America/New_York", "CLT": "America/New_York", "SEA": "America/Los_Angeles", "PHX": "America/Phoenix",
	"EWR": "America/New_York", "SFO": "America/Los_Angeles", "IAH": "America/Chicago", "BOS": "America/New_York",
	"FLL": "America/New_York", "MSP": "America/Chicago", "LGA": "America/New_York", "DTW": "America/Detroit",
	"PHL": "America/New_York", "SLC": "America/Denver", "DCA": "America/New_York", "SAN": "America/Los_Angeles",
	"BWI": "America/New_York", "TPA": "America/New_York", "AUS": "America/Chicago", "IAD": "America/New_York",
	"BNA": "America/Chicago", "MDW": "America/Chicago", "HNL": "Pacific/Honolulu", "DAL": "America/Chicago",
	"PDX": "America/Los_Angeles", "STL": "America/Chicago", "HOU": "America/Chicago", "SMF": "America/Los_Angeles",
	"MSY": "America/Chicago", "RDU": "America/New_York", "SJC": "America/Los_Angeles", "SNA": "America/Los_Angeles",
	"OAK": "America/Los_Angeles", "MCI": "America/Chicago", "SAT": "America/Chicago", "RSW": "America/New_York",
	"CLE": "America/New_York", "IND": "America/Indiana/Indianapolis", "PIT": "America/New_York",
	"CVG": "America/New_York", "CMH": "America/New_York", "JAX": "America/New_York", "OGG": "Pacific/Honolulu",
	"ANC": "America/Anchorage", "BUR": "America/Los_Angeles", "ONT": "America/Los_Angeles", "ABQ": "America/Denver",
	"SJU": "America/Puerto_Rico", "PBI": "America/New_York", "MKE": "America/Chicago", "BDL": "America/New_York",
	"OMA": "America/Chicago", "ELP": "America/Denver", "TUS": "America/Phoenix", "KOA": "Pacific/Honolulu",
	"LIH": "Pacific/Honolulu", "BOI": "America/Boise", "RNO": "America/Los_Angeles", "OKC": "America/Chicago",
	"MEM": "America/Chicago", "SDF": "America/Kentucky/Louisville", "RIC": "America/New_York",
	"CHS": "America/New_York", "SAV": "America/New_York", "ORF": "America/New_York", "BUF": "America/New_York",
	"ALB": "America/New_York", "GUM": "Pacific/Guam",
	// Canada.
	"YYZ": "America/Toronto", "YVR": "America/Vancouver", "YUL": "America/Toronto", "YYC": "America/Edmonton",
	"YEG": "America/Edmonton", "YOW": "America/Toronto", "YWG": "America/Winnipeg", "YHZ": "America/Halifax",
	"YQB": "America/Toronto", "YTZ": "America/Toronto", "YLW": "America/Vancouver", "YYJ": "America/Vancouver",
	"YXE": "America/Regina", "YQR": "America/Regina", "YYT": "America/St_Johns",
	// Mexico, Central America, the Caribbean.
	"MEX": "America/Mexico_City", "CUN": "America/Cancun", "GDL": "America/Mexico_City", "MTY": "America/Monterrey",
	"TIJ": "America/Tijuana", "SJD": "America/Mazatlan", "PVR": "America/Mexico_City", "BJX": "America/Mexico_City",
	"MID": "America/Merida", "PTY": "America/Panama", "SJO": "America/Costa_Rica", "LIR": "America/Costa_Rica",
	"SAL": "America/El_Salvador", "GUA": "America/Guatemala", "SAP": "America/Tegucigalpa", "MGA": "America/Managua",
	"HAV": "America/Havana", "PUJ": "America/Santo_Domingo", "SDQ": "America/Santo_Domingo", "MBJ": "America/Jamaica",
	"KIN": "America/Jamaica", "NAS": "America/Nassau", "AUA": "America/Aruba", "CUR": "America/Curacao",
	"SXM": "America/Lower_Princes", "PTP": "America/Guadeloupe", "FDF": "America/Martinique",
	"POS": "America/Port_of_Spain", "BGI": "America/Barbados",
	// South America.
	"GRU": "America/Sao_Paulo", "CGH": "America/Sao_Paulo", "VCP": "America/Sao_Paulo", "GIG": "America/Sao_Paulo",
	"SDU": "America/Sao_Paulo", "BSB": "America/Sao_Paulo", "CNF": "America/Sao_Paulo", "REC": "America/Recife",
	"SSA": "America/Bahia", "FOR": "America/Fortaleza", "POA": "America/Sao_Paulo", "CWB": "America/Sao_Paulo",
	"FLN": "America/Sao_Paulo", "BEL": "America/Belem", "MAO": "America/Manaus", "BOG": "America/Bogota",
	"MDE": "America/Bogota", "CLO": "America/Bogota", "CTG": "America/Bogota", "LIM": "America/Lima",
	"CUZ": "America/Lima", "SCL": "America/Santiago", "EZE": "America/Argentina/Buenos_Aires",
	"AEP": "America/Argentina/Buenos_Aires", "COR": "America/Argentina/Cordoba", "MVD": "America/Montevideo",
	"UIO": "America/Guayaquil", "GYE": "America/Guayaquil", "CCS": "America/Caracas", "ASU": "America/Asuncion",
	"VVI": "America/La_Paz", "LPB": "America/La_Paz",
	// United Kingdom and Ireland.
	"LHR": "Europe/London", "LGW": "Europe/London", "STN": "Europe/London", "LTN": "Europe/London",
	"LCY": "Europe/London", "SEN": "Europe/London", "MAN": "Europe/London", "BHX": "Europe/London",
	"EDI": "Europe/London", "GLA": "Europe/London", "BRS": "Europe/London", "NCL": "Europe/London",
	"LPL": "Europe/London", "BFS": "Europe/London", "BHD": "Europe/London", "EMA": "Europe/London",
	"ABZ": "Europe/London", "LBA": "Europe/London", "DUB": "Europe/Dublin", "ORK": "Europe/Dublin",
	"SNN": "Europe/Dublin",
	// France (Basel-Mulhouse lies in France; BSL and MLH are the same airport).
	"CDG": "Europe/Paris", "ORY": "Europe/Paris", "NCE": "Europe/Paris", "LYS": "Europe/Paris",
	"MRS": "Europe/Paris", "TLS": "Europe/Paris", "BOD": "Europe/Paris", "NTE": "Europe/Paris",
	"BVA": "Europe/Paris", "MPL": "Europe/Paris", "SXB": "Europe/Paris", "MLH": "Europe/Paris",
	"BSL": "Europe/Paris", "AJA": "Europe/Paris", "BIA": "Europe/Paris", "LIL": "Europe/Paris",
	"BES": "Europe/Paris", "RNS": "Europe/Paris", "BIQ": "Europe/Paris",
	// Benelux.
	"AMS": "Europe/Amsterdam", "EIN": "Europe/Amsterdam", "RTM": "Europe/Amsterdam", "BRU": "Europe/Brussels",
	"CRL": "Europe/Brussels", "LUX": "Europe/Luxembourg",
	// Germany, Switzerland, Austria.
	"FRA": "Europe/Berlin", "MUC": "Europe/Berlin", "BER": "Europe/Berlin", "TXL": "Europe/Berlin",
	"SXF": "Europe/Berlin", "DUS": "Europe/Berlin", "HAM": "Europe/Berlin", "STR": "Europe/Berlin",
	"CGN": "Europe/Berlin", "HAJ": "Europe/Berlin", "NUE": "Europe/Berlin", "LEJ": "Europe/Berlin",
	"DRS": "Europe/Berlin", "BRE": "Europe/Berlin", "FMM": "Europe/Berlin", "DTM": "Europe/Berlin",
	"HHN": "Europe/Berlin", "FDH": "Europe/Berlin", "ZRH": "Europe/Zurich", "GVA": "Europe/Zurich",
	"VIE": "Europe/Vienna", "SZG": "Europe/Vienna", "INN": "Europe/Vienna", "GRZ": "Europe/Vienna",
	// Spain and Portugal.
	"MAD": "Europe/Madrid", "BCN": "Europe/Madrid", "PMI": "Europe/Madrid", "AGP": "Europe/Madrid",
	"ALC": "Europe/Madrid", "IBZ": "Europe/Madrid", "VLC": "Europe/Madrid", "SVQ": "Europe/Madrid",
	"BIO": "Europe/Madrid", "MAH": "Europe/Madrid", "SCQ": "Europe/Madrid", "LPA": "Atlantic/Canary",
	"TFS": "Atlantic/Canary", "TFN": "Atlantic/Canary", "ACE": "Atlantic/Canary", "FUE": "Atlantic/Canary",
	"LIS": "Europe/Lisbon", "OPO": "Europe/Lisbon", "FAO": "Europe/Lisbon", "FNC": "Atlantic/Madeira",
	"PDL": "Atlantic/Azores",
	// Italy and Malta.
	"FCO": "Europe/Rome", "CIA": "Europe/Rome", "MXP": "Europe/Rome", "LIN": "Europe/Rome", "BGY": "Europe/Rome",
	"VCE": "Europe/Rome", "NAP": "Europe/Rome", "CTA": "Europe/Rome", "PMO": "Europe/Rome", "BLQ": "Europe/Rome",
	"PSA": "Europe/Rome", "FLR": "Europe/Rome", "TRN": "Europe/Rome", "CAG": "Europe/Rome", "BRI": "Europe/Rome",
	"OLB": "Europe/Rome", "VRN": "Europe/Rome", "TSF": "Europe/Rome", "MLA": "Europe/Malta",
	// Greece, Cyprus, Türkiye.
	"ATH": "Europe/Athens", "SKG": "Europe/Athens", "HER": "Europe/Athens", "RHO": "Europe/Athens",
	"CFU": "Europe/Athens", "JTR": "Europe/Athens", "JMK": "Europe/Athens", "CHQ": "Europe/Athens",
	"LCA": "Asia/Nicosia", "PFO": "Asia/Nicosia", "IST": "Europe/Istanbul", "SAW": "Europe/Istanbul",
	"AYT": "Europe/Istanbul", "ADB": "Europe/Istanbul", "ESB": "Europe/Istanbul", "DLM": "Europe/Istanbul",
	"BJV": "Europe/Istanbul",
	// Nordic countries.
	"CPH": "Europe/Copenhagen", "BLL": "Europe/Copenhagen", "ARN": "Europe/Stockholm", "GOT": "Europe/Stockholm",
	"BMA": "Europe/Stockholm", "OSL": "Europe/Oslo", "BGO": "Europe/Oslo", "TRD": "Europe/Oslo",
	"SVG": "Europe/Oslo", "HEL": "Europe/Helsinki", "KEF": "Atlantic/Reykjavik",
	// Central and Eastern Europe.
	"WAW": "Europe/Warsaw", "WMI": "Europe/Warsaw", "KRK": "Europe/Warsaw", "GDN": "Europe/Warsaw",
	"WRO": "Europe/Warsaw", "KTW": "Europe/Warsaw", "POZ": "Europe/Warsaw", "PRG": "Europe/Prague",
	"BUD": "Europe/Budapest", "OTP": "Europe/Bucharest", "CLJ": "Europe/Bucharest", "SOF": "Europe/Sofia",
	"VAR": "Europe/Sofia", "BEG": "Europe/Belgrade", "ZAG": "Europe/Zagreb", "SPU": "Europe/Zagreb",
	"DBV": "Europe/Zagreb", "LJU": "Europe/Ljubljana", "SKP": "Europe/Skopje", "TIA": "Europe/Tirane",
	"SJJ": "Europe/Sarajevo", "TGD": "Europe/Podgorica", "RIX": "Europe/Riga", "VNO": "Europe/Vilnius",
	"TLL": "Europe/Tallinn", "KBP": "Europe/Kyiv", "KIV": "Europe/Chisinau", "MSQ": "Europe/Minsk",
	// Russia, the Caucasus.
	"SVO": "Europe/Moscow", "DME": "Europe/Moscow", "VKO": "Europe/Moscow", "LED": "Europe/Moscow",
	"AER": "Europe/Moscow", "KZN": "Europe/Moscow", "KRR": "Europe/Moscow", "SVX": "Asia/Yekaterinburg",
	"OVB": "Asia/Novosibirsk", "TBS": "Asia/Tbilisi", "EVN": "Asia/Yerevan", "GYD": "Asia/Baku",
	// Middle East.
	"DXB": "Asia/Dubai", "DWC": "Asia/Dubai", "AUH": "Asia/Dubai", "SHJ": "Asia/Dubai", "DOH": "Asia/Qatar",
	"BAH": "Asia/Bahrain", "KWI": "Asia/Kuwait", "MCT": "Asia/Muscat", "RUH": "Asia/Riyadh", "JED": "Asia/Riyadh",
	"DMM": "Asia/Riyadh", "MED": "Asia/Riyadh", "AMM": "Asia/Amman", "BEY": "Asia/Beirut", "TLV": "Asia/Jerusalem",
	"IKA": "Asia/Tehran", "THR": "Asia/Tehran", "MHD": "Asia/Tehran", "BGW": "Asia/Baghdad", "EBL": "Asia/Baghdad",
	// Africa.
	"CAI": "Africa/Cairo", "HRG": "Africa/Cairo", "SSH": "Africa/Cairo", "CMN": "Africa/Casablanca",
	"RAK": "Africa/Casablanca", "AGA": "Africa/Casablanca", "TNG": "Africa/Casablanca", "FEZ": "Africa/Casablanca",
	"ALG": "Africa/Algiers", "TUN": "Africa/Tunis", "DJE": "Africa/Tunis", "TIP": "Africa/Tripoli",
	"JNB": "Africa/Johannesburg", "CPT": "Africa/Johannesburg", "DUR": "Africa/Johannesburg",
	"ADD": "Africa/Addis_Ababa", "NBO": "Africa/Nairobi", "MBA": "Africa/Nairobi", "LOS": "Africa/Lagos",
	"ABV": "Africa/Lagos", "ACC": "Africa/Accra", "DSS": "Africa/Dakar", "ABJ": "Africa/Abidjan",
	"DAR": "Africa/Dar_es_Salaam", "ZNZ": "Africa/Dar_es_Salaam", "JRO": "Africa/Dar_es_Salaam",
	"EBB": "Africa/Kampala", "KGL": "Africa/Kigali", "MRU": "Indian/Mauritius", "RUN": "Indian/Reunion",
	"SEZ": "Indian/Mahe", "TNR": "Indian/Antananarivo", "LAD": "Africa/Luanda", "WDH": "Africa/Windhoek",
	"LUN": "Africa/Lusaka", "HRE": "Africa/Harare", "MPM": "Africa/Maputo", "KRT": "Africa/Khartoum",
	"DLA": "Africa/Douala", "LFW": "Africa/Lome", "COO": "Africa/Porto-Novo", "BKO": "Africa/Bamako",
	"OUA": "Africa/Ouagadougou", "NKC": "Africa/Nouakchott", "LBV": "Africa/Libreville", "FIH": "Africa/Kinshasa",
	// Japan, Korea.
	"HND": "Asia/Tokyo", "NRT": "Asia/Tokyo", "KIX": "Asia/Tokyo", "ITM": "Asia/Tokyo", "NGO": "Asia/Tokyo",
	"FUK": "Asia/Tokyo", "CTS": "Asia/Tokyo", "OKA": "Asia/Tokyo", "ICN": "Asia/Seoul", "GMP": "Asia/Seoul",
	"CJU": "Asia/Seoul", "PUS": "Asia/Seoul",
	// China (all on Beijing time), Hong Kong, Macau, Taiwan, Mongolia.
	"PEK": "Asia/Shanghai", "PKX": "Asia/Shanghai", "PVG": "Asia/Shanghai", "SHA": "Asia/Shanghai",
	"CAN": "Asia/Shanghai", "SZX": "Asia/Shanghai", "CTU": "Asia/Shanghai", "TFU": "Asia/Shanghai",
	"KMG": "Asia/Shanghai", "XIY": "Asia/Shanghai", "CKG": "Asia/Shanghai", "HGH": "Asia/Shanghai",
	"NKG": "Asia/Shanghai", "WUH": "Asia/Shanghai", "CSX": "Asia/Shanghai", "XMN": "Asia/Shanghai",
	"TAO": "Asia/Shanghai", "CGO": "Asia/Shanghai", "SYX": "Asia/Shanghai", "HAK": "Asia/Shanghai",
	"TSN": "Asia/Shanghai", "SHE": "Asia/Shanghai", "DLC": "Asia/Shanghai", "HRB": "Asia/Shanghai",
	"TNA": "Asia/Shanghai", "FOC": "Asia/Shanghai", "KWE": "Asia/Shanghai", "NNG": "Asia/Shanghai",
	"URC": "Asia/Shanghai", "LHW": "Asia/Shanghai", "HFE": "Asia/Shanghai", "KHN": "Asia/Shanghai",
	"TYN": "Asia/Shanghai", "SJW": "Asia/Shanghai", "HKG": "Asia/Hong_Kong", "MFM": "Asia/Macau",
	"TPE": "Asia/Taipei", "TSA": "Asia/Taipei", "KHH": "Asia/Taipei", "RMQ": "Asia/Taipei",
	"UBN": "Asia/Ulaanbaatar",
	// Southeast Asia.
	"SIN": "Asia/Singapore", "KUL": "Asia/Kuala_Lumpur", "PEN": "Asia/Kuala_Lumpur", "BKI": "Asia/Kuching",
	"KCH": "Asia/Kuching", "BKK": "Asia/Bangkok", "DMK": "Asia/Bangkok", "HKT": "Asia/Bangkok",
	"CNX": "Asia/Bangkok", "USM": "Asia/Bangkok", "CGK": "Asia/Jakarta", "SUB": "Asia/Jakarta",
	"KNO": "Asia/Jakarta", "DPS": "Asia/Makassar", "UPG": "Asia/Makassar", "MNL": "Asia/Manila",
	"CEB": "Asia/Manila", "CRK": "Asia/Manila", "SGN": "Asia/Ho_Chi_Minh", "HAN": "Asia/Ho_Chi_Minh",
	"DAD": "Asia/Ho_Chi_Minh", "CXR": "Asia/Ho_Chi_Minh", "PQC": "Asia/Ho_Chi_Minh", "PNH": "Asia/Phnom_Penh",
	"VTE": "Asia/Vientiane", "RGN": "Asia/Yangon",
	// South and Central Asia.
	"DEL": "Asia/Kolkata", "BOM": "Asia/Kolkata", "BLR": "Asia/Kolkata", "MAA": "Asia/Kolkata",
	"CCU": "Asia/Kolkata", "HYD": "Asia/Kolkata", "COK": "Asia/Kolkata", "AMD": "Asia/Kolkata",
	"GOI": "Asia/Kolkata", "GOX": "Asia/Kolkata", "PNQ": "Asia/Kolkata", "TRV": "Asia/Kolkata",
	"JAI": "Asia/Kolkata", "LKO": "Asia/Kolkata", "CCJ": "Asia/Kolkata", "IXC": "Asia/Kolkata",
	"GAU": "Asia/Kolkata", "PAT": "Asia/Kolkata", "SXR": "Asia/Kolkata", "BBI": "Asia/Kolkata",
	"IXB": "Asia/Kolkata", "ATQ": "Asia/Kolkata", "NAG": "Asia/Kolkata", "CMB": "Asia/Colombo",
	"MLE": "Indian/Maldives", "KTM": "Asia/Kathmandu", "DAC": "Asia/Dhaka", "CGP": "Asia/Dhaka",
	"KHI": "Asia/Karachi", "LHE": "Asia/Karachi", "ISB": "Asia/Karachi", "KBL": "Asia/Kabul",
	"TAS": "Asia/Tashkent", "ALA": "Asia/Almaty", "NQZ": "Asia/Almaty",
	// Oceania.
	"SYD": "Australia/Sydney", "MEL": "Australia/Melbourne", "BNE": "Australia/Brisbane", "PER": "Australia/Perth",
	"ADL": "Australia/Adelaide", "OOL": "Australia/Brisbane", "CNS": "Australia/Brisbane", "CBR": "Australia/Sydney",
	"HBA": "Australia/Hobart", "DRW": "Australia/Darwin", "AKL": "Pacific/Auckland", "WLG": "Pacific/Auckland",
	"CHC": "Pacific/Auckland", "ZQN": "Pacific/Auckland", "NAN": "Pacific/Fiji", "PPT": "Pacific/Tahiti",
	"NOU": "Pacific/Noumea", "POM": "Pacific/Port_Moresby",
}

// AirportZone is the IANA time zone name of the airport with IATA code
// code ("YUL" → "America/Toronto"), and whether the code is known.
func AirportZone(code string) (string, bool) {
	z, ok := airportZones[code]
	return z, ok
}

// airportLocation loads the zone of the airport code; ok is false when the
// code is unknown or the zone database lacks the zone.
func airportLocation(code string) (*time.Location, bool) {
	name, ok := airportZones[code]
	if !ok {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return loc, true
}
