// One browser test class at a time: each class starts a Gateway process and a Chromium, and on a 2-core machine classes
// side by side starve each other's pages past any sensible wait.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
