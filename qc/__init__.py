"""Per-sample quality-control tables (TMB VCFs, ctDNA plasma and PoN samples) for MultiQC."""
