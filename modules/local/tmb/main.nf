process TMB {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(vcf), path(bam), path(bam_index)
    path panel_bed
    path coding_bed   // [] when params.tmb_panel_is_coding declares the panel coding-only

    output:
    tuple val(meta), path('*.tmb.tsv'),       emit: summary
    tuple val(meta), path('*.tmb_trace.tsv'), emit: trace
    tuple val(meta), path('*.tmb.provenance.json'), emit: provenance
    path 'versions.yml',                      emit: versions

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: meta.id
    def bam_arg = bam ? "--bam ${bam}" : ''
    def coding_arg = coding_bed ? "--coding-bed ${coding_bed}" : ''
    """
    tmb-calc --vcf ${vcf} --sample ${meta.id} --patient ${meta.patient} --panel-bed ${panel_bed} ${coding_arg} ${bam_arg} ${args} --out-summary ${prefix}.tmb.tsv --out-trace ${prefix}.tmb_trace.tsv --provenance --versions-out "${task.process}" versions.yml
    """

    stub:
    def prefix = task.ext.prefix ?: meta.id
    """
    touch ${prefix}.tmb.tsv ${prefix}.tmb_trace.tsv ${meta.id}.tmb.provenance.json
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
