"""Neural-network pieces written by hand: layers with their backward passes, optimizers, gradient checking."""
