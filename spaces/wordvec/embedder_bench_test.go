package wordvec

import (
	"context"
	"testing"
)

// shortTitles are catalogue-style titles of 3–10 words.
var shortTitles = []string{
	"boAt Rockerz 255 Pro+ Bluetooth Neckband",
	"Prestige Iris 750 Watt Mixer Grinder",
	"USB-C to Lightning Cable 1.2m",
	"Noise ColorFit Pulse Smart Watch",
	"Philips 9W LED Bulb (Pack of 4)",
	"Samsung 80 cm (32 inches) HD Ready Smart LED TV",
	"Wireless Optical Mouse with 3 Buttons",
	"Pigeon Electric Kettle 1.5 Litre",
	"SanDisk Ultra 128GB microSDXC Memory Card",
	"Havells Instant Water Heater 3L",
	"Running shoes for men",
	"Non-stick cast iron skillet, 10 inch",
	"Redmi Note 12 5G (Matte Black, 6GB RAM, 128GB)",
	"Lint remover for woollen clothes",
	"HDMI 2.1 cable 8K 48Gbps",
	"3.5mm AUX audio cable, braided",
}

func BenchmarkEmbedTitles(b *testing.B) {
	e, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, e.Dim())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.embedOne(shortTitles[i%len(shortTitles)], dst)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "titles/s")
}

func BenchmarkEmbedBatch(b *testing.B) {
	e, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]string, 1024)
	for i := range batch {
		batch[i] = shortTitles[i%len(shortTitles)]
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Embed(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "titles/s")
}

// BenchmarkLoad is the one-off cost Default pays: parse the embedded
// file, build the lookup table and the per-word weights.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m, err := parseModel(glove)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := newEmbedder(m, defaultConfig); err != nil {
			b.Fatal(err)
		}
	}
}
