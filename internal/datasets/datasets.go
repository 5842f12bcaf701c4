// Package datasets holds Tessera's built-in demo catalogue: about 300
// invented products across eight categories, and the schema that describes
// them. `tessera serve` loads it when its data directory is empty and no
// schema is given, so a new user can search straight away, offline.
//
// The catalogue is embedded in the binary; loaders for public
// approximate-nearest-neighbour benchmark datasets live in datasets/texmex.
package datasets

import _ "embed"

//go:embed demo/products.csv
var demoCatalogue string

//go:embed demo/schema.yaml
var demoSchema string

// DemoSchema returns the YAML schema of the demo catalogue (the format of
// spaces.ParseSchema). Each call returns a fresh copy, so callers may modify it.
func DemoSchema() []byte { return []byte(demoSchema) }

// DemoCatalogue returns the demo catalogue as CSV with a header row:
// id,title,description,category,brand,price,rating,review_count,added_at.
// Each call returns a fresh copy, so callers may modify it.
func DemoCatalogue() []byte { return []byte(demoCatalogue) }
