// Package atlas builds MongoDB Atlas Vector Search requests for Tessera
// queries: the $vectorSearch aggregation pipeline, with Tessera's JSON filter
// translated to the MQL subset Atlas filters accept, the vector index
// definition, and the score conversion that makes Atlas scores mean what
// Tessera's inner-product scores mean. All functions are pure; running the
// pipeline is the caller's business.
package atlas
