"""Target control (目标管控): decomposition, owner and deadline, monthly tracking, assessment."""
