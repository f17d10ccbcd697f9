"""One module per exercise: NAME, TITLE, HINTS, GRAPH, inputs(rng), probe(learner, inputs), verdict(inputs, obs)."""
