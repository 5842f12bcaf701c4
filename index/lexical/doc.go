// Package lexical is a BM25F-style inverted index over a collection's
// slots: the lexical signal that dense text embeddings lack for product
// vocabulary — brands, model numbers, exact category words ("RTX 3060",
// "boAt", "power bank").
//
// Each field (title, category, description …) has its own postings and
// length statistics. Scores are absolute, in [0, 1], so that they can be
// fused with cosine similarity and compared across queries: per query word
// the saturated term frequency
//
//	sat = min(1, tf·(k1+1) / (tf + k1·(1−b+b·L/avgL)))
//
// weighed by its idf, ln(1 + (N−df+0.5)/(df+0.5)); the score is Σ idf·sat
// / Σ idf over the query's words. A word the field has never seen still
// counts in the denominator, with the highest idf, so nonsense scores ~0;
// a title searched for itself scores 1 when it is no longer than the
// average title (0.91 on average over the real rows, 99.3% ranked first).
// One occurrence in a field of average length or shorter already
// saturates to 1.
//
// The analyzer (Terms) lowercases and folds diacritics, splits on
// anything but letters and digits and again at CamelCase and letter↔digit
// boundaries while keeping the joined form ("iPhone13" → iphone, 13,
// iphone13; "Wi-Fi" → wi, fi, wifi), folds English plurals, and drops stop
// words. A query word scores the better of its joined form and its parts,
// so "iPhone13" fully matches "iPhone 13". In documents, words in an
// accessory phrase ("cable for smartphone", "compatible with iPhone 13")
// count a quarter, up to the next punctuation mark: a cable for a
// smartphone is not a smartphone.
//
// On the 1,351 Amazon India rows in ../shared/datasets (go test -bench .
// on two shared cores; best of five runs): indexing title, category and
// description (≈135 words) takes 38 µs per row (BenchmarkSet) and holds
// 3.7 KB per row, 0.75 KB for title and category alone at 27,000 rows;
// Top over 27,000 titles takes 29 µs of CPU per query (≈4,300 postings),
// Score 0.4 µs. A category leaf ("USBCables", "PowerBanks") as a query
// over titles has 0.737 precision at 10 (TestAmazonQuality).
//
// The Index does no locking. Its owner serialises Set and Delete against
// everything else; Top, Score and Matched only read and may run
// concurrently.
package lexical
