package taint

// EveryFunction makes every function a root, for TestRootsLoseNoHit.
var EveryFunction = &everyFunction
