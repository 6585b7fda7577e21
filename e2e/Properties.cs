// The tests start real processes and one Chromium; running them one at a time keeps timings honest on 2 cores.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
