package clean

import "gopkg.in/yaml.v3"

// QuoteNullKeys rewrites every mapping key written as a bare null word
// (null, Null, NULL) into the string "null", in place and recursively.
//
// YAML reads the unquoted key in `price: {type: number, null: ["|"]}` as
// the null value, not the string "null", and yaml.v3 then drops it
// silently, losing the field's extra null tokens. A schema loader decodes
// into a yaml.Node, calls QuoteNullKeys, then decodes the node.
func QuoteNullKeys(n *yaml.Node) {
	if n == nil {
		return
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!null" && k.Style == 0 {
				switch k.Value {
				case "null", "Null", "NULL":
					k.Tag, k.Value = "!!str", "null"
				}
			}
		}
	}
	for _, c := range n.Content {
		QuoteNullKeys(c)
	}
}
