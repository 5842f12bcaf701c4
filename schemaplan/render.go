package schemaplan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Write prints the plan for people, like Terraform: one line per change
// with its cost, then what applying it does to the documents stored.
func (p *Plan) Write(w io.Writer, documents int) {
	if p.Empty() {
		fmt.Fprintln(w, "No changes: the schema is the one the data directory was built with.")
		return
	}
	fmt.Fprintf(w, "Plan %s: %d change(s)\n\n", p.ID, len(p.Changes))
	for _, c := range p.Changes {
		fmt.Fprintf(w, "  %s %-28s [%s]\n", c.Op, c.Path, c.Cost)
		if c.From != nil || c.To != nil {
			fmt.Fprintf(w, "      %s\n", fromTo(c))
		}
		fmt.Fprintf(w, "      %s\n", c.Why)
	}
	fmt.Fprintln(w)
	switch p.Cost {
	case Metadata:
		fmt.Fprintf(w, "Cost: no re-encode; %d documents keep their vectors. Apply rewrites the saved schema.\n", documents)
	case Reindex:
		fmt.Fprintf(w, "Cost: no re-encode; the index of %d documents is rebuilt from their stored vectors and fields.\n", documents)
	case Reencode:
		fmt.Fprintf(w, "Cost: re-encode space(s) %s of %d documents from stored field values; other spaces' parts are copied.\n", strings.Join(p.Reencode, ", "), documents)
	case SourceRows:
		fmt.Fprintf(w, "Cannot apply: %v\n", p.Refusal())
		return
	}
	fmt.Fprintln(w, "Searches keep answering from the current vectors until the new ones are complete.")
}

func fromTo(c Change) string {
	switch c.Op {
	case "+":
		return "+ " + brief(c.To)
	case "-":
		return "- " + brief(c.From)
	}
	return brief(c.From) + " → " + brief(c.To)
}

// brief writes a value as compact JSON (a spec as {"kind":…}), cut to a line.
func brief(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
