"""Pictures without a plotting library: PCA, scatter plots, attention maps and charts as SVG."""
