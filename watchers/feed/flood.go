package feed

import (
	"bytes"
	"encoding/xml"
	"io"
)

// Defaults of the flood caps.
const (
	// DefaultMaxNew is how many new items one poll announces at most.
	DefaultMaxNew = 50
	// DefaultMaxItems is how many items of a document are read at all.
	DefaultMaxItems = 1000
)

// capScanMin is the body size from which capItems scans a document: a
// smaller one cannot hold enough items to matter.
const capScanMin = 256 << 10

// capItems returns an XML feed document cut after its limit-th item (RSS
// and RDF <item>, Atom <entry>), the elements still open at the cut
// closed again, and how many items the whole document has. Parsing the
// cut document keeps a 100,000-item feed's memory to that of limit items.
// A document it does not cut (small, not XML, within the limit, or
// unreadable: the parser then says why) comes back unchanged, with a
// count of -1 when it was not scanned.
func capItems(body []byte, limit int) ([]byte, int) {
	if len(body) < capScanMin || limit <= 0 {
		return body, -1
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		open   []xml.Name // elements open at the current position
		closed []xml.Name // elements open at the cut, innermost last
		cut    int64      = -1
		items  int
	)
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			if cut < 0 {
				return body, -1
			}
			break // the cut part was readable; the parser sees only it
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name)
		case xml.EndElement:
			if len(open) == 0 {
				continue
			}
			depth := len(open)
			open = open[:depth-1]
			// <rss><channel><item> is at depth 3, <feed><entry> and
			// <rdf:RDF><item> at 2; deeper ones belong to an item.
			if depth > 3 || (t.Name.Local != "item" && t.Name.Local != "entry") {
				continue
			}
			items++
			if items == limit {
				cut = d.InputOffset()
				closed = append(closed, open...)
			}
		}
	}
	if cut < 0 || items <= limit {
		return body, items
	}
	out := make([]byte, 0, int(cut)+64)
	out = append(out, body[:cut]...)
	for i := len(closed) - 1; i >= 0; i-- {
		out = append(out, "</"...)
		if closed[i].Space != "" {
			out = append(out, closed[i].Space...)
			out = append(out, ':')
		}
		out = append(out, closed[i].Local...)
		out = append(out, '>')
	}
	return out, items
}
