"""The one door for every change to the cluster: guard → plan → execute → audit."""
