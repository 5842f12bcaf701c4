package annbench

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText prints the report as aligned tables, Tessera first, then the
// baseline measured in the same run.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "data set %s: %d vectors × %d dims, %d queries, metric %s, M=%d efConstruction=%d, GOMAXPROCS=%d\n",
		r.Dataset, r.N, r.Dim, r.Queries, r.Metric, r.M, r.EfC, r.GOMAXPROCS)
	reports := []*IndexReport{&r.IndexReport}
	if r.Baseline != nil {
		reports = append(reports, r.Baseline)
	}
	if r.HNSWLib != nil {
		reports = append(reports, r.HNSWLib)
	}
	for _, x := range reports {
		fmt.Fprintf(w, "\n%s: build %.0f inserts/s single-threaded (%.1fs)", x.Name, x.BuildPerS, x.BuildSeconds)
		if x.BuildParallelPerS > 0 {
			fmt.Fprintf(w, ", %.0f inserts/s with %d workers (AddBatch)", x.BuildParallelPerS, x.BuildWorkers)
		}
		if x.BytesPerVector > 0 {
			fmt.Fprintf(w, "\n  %.0f bytes/vector, save %.0f MB/s, load %.0f MB/s", x.BytesPerVector, x.SaveMBps, x.LoadMBps)
		}
		fmt.Fprintln(w)
		par := x.BuildParallelPerS > 0
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := "ef\trecall@10\tQPS (1 thread)\tp50 µs\tp99 µs\tallocs/query\t"
		if par {
			head += "recall@10 (parallel build)\t"
		}
		fmt.Fprintln(tw, head)
		for _, p := range x.Results {
			fmt.Fprintf(tw, "%d\t%.4f\t%.0f\t%.0f\t%.0f\t%.1f\t", p.Ef, p.Recall, p.QPS, p.P50us, p.P99us, p.AllocsPerQuery)
			if par {
				fmt.Fprintf(tw, "%.4f\t", p.RecallParallel)
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.VsHNSWLib) > 0 {
		fmt.Fprintln(w, "\nTessera against hnswlib, single-thread QPS at equal recall@10 (interpolated along the ef sweep):")
		for _, x := range r.VsHNSWLib {
			if x.Ratio == 0 {
				fmt.Fprintf(w, "  recall %.2f: not reached by both (Tessera %.0f QPS, hnswlib %.0f QPS; widen --ef)\n", x.Recall, x.TesseraQPS, x.HNSWLibQPS)
				continue
			}
			fmt.Fprintf(w, "  recall %.2f: Tessera %.0f QPS, hnswlib %.0f QPS: %.2f×\n", x.Recall, x.TesseraQPS, x.HNSWLibQPS, x.Ratio)
		}
	}
	return nil
}
