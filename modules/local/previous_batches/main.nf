/*
 * Pre-flight of --previous_batches (stereosarc-batches): each earlier --outdir is checked
 * against this run (provenance of every per-sample result: rule_version, parameters, inputs,
 * the panel of normals) and refused with one line naming the batch, the file and the
 * difference; else its per-sample results are handed to the cohort stages. Each batch folder
 * is staged as batchNN/<folder name>; `names` are the folders as the user gave them.
 */
process PREVIOUS_BATCHES {
    tag "${names.size()} batch(es)"
    label 'process_single'

    input:
    path samplesheet
    path params_json
    val names
    path batches, stageAs: 'batch??/*'
    path panel_bed, stageAs: 'references/*'   // this run's reference files, or []
    path coding_bed, stageAs: 'references/*'
    path ctdna_targets, stageAs: 'references/*'
    path ctdna_sites, stageAs: 'references/*'
    path fasta, stageAs: 'references/*'

    output:
    path 'batches/samplesheet.valid.csv',         emit: samplesheet  // the cohort's (same name as VALIDATE's: rejects cite it)
    path 'batches/tmb/*.tmb.tsv',                 emit: tmb, optional: true
    path 'batches/counts/*.tsv',                  emit: counts, optional: true
    path 'batches/tumour_sites/*.tumour_sites.tsv', emit: tumour_sites, optional: true
    path 'versions.yml',                          emit: versions

    script:
    def folders = batches instanceof List ? batches : [batches]
    def batch_args = [names, folders].transpose().collect { name, folder -> "--batch '${name}=${folder}'" }.join(' ')
    def references = ['panel-bed': panel_bed, 'coding-bed': coding_bed, 'ctdna-targets': ctdna_targets,
                      'ctdna-sites': ctdna_sites, fasta: fasta]
        .findAll { option, file -> file }
        .collect { option, file -> "--${option} ${file}" }
        .join(' ')
    """
    stereosarc-batches --samplesheet ${samplesheet} --params ${params_json} ${batch_args} ${references} --out-dir batches --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    mkdir -p batches
    cp ${samplesheet} batches/samplesheet.valid.csv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
