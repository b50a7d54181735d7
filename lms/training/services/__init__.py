"""Writes for training, one module per responsibility: `permissions` (the school rule),
`plans`, `classes`, `sessions`, `enrollment`, `attendance` (sign-in) and `roll_call`."""
