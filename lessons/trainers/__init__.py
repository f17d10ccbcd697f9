"""Trainers for `Train` steps (see `lessons.api.Trainer`), one module a purpose:

- `surfaces`: a point rolling down a 2-D loss surface under SGD, momentum or Adam (optimisers lesson);
- `softmax`: a classifier trained with softmax + cross-entropy or with MSE (loss-functions lesson);
- `search`: one network trained by gradient descent, an evolution strategy or a genetic algorithm,
  compared per loss evaluation (gradient-free lesson);
- `char_rnn`: a character-level RNN on the names, trained by BPTT with or without clipping (RNN lesson;
  it imports NumPy, so import it inside the lesson function);
- `runs`: a full run's metrics for the steps after training, whatever settings the learner tried.

`lessons.training.Classifier2D`, micrograd's demo loop, is the ready-made trainer of the guide.
Trainers never sleep: a `Train` step's `pace` slows the app's live run instead.
"""
