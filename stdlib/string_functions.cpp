// placeholder until stdlib lands
