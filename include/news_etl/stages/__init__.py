"""The ingest pipeline's stages, one module each, in the order a run goes through them:

=========================  ===================  =====================================================
module                     entry point          result
=========================  ===================  =====================================================
:mod:`.plan`               ``plan_run``         :class:`~.plan.Plan` (its :class:`~.plan.Batch` es)
:mod:`.process`            ``process_batch``    :class:`~.process.BatchResult` (CPU side: :mod:`.extract`)
:mod:`.validate`           ``validate_run``     :class:`~.validate.ValidationResult`
:mod:`.publish`            ``publish_run``      :class:`~.publish.PublishResult`
:mod:`.stories`            ``publish``          :class:`~.stories.StoriesResult` (inside the publish)
:mod:`.settle`             ``settle_inbox``     :class:`~.settle.SettleResult`
=========================  ===================  =====================================================

The Airflow DAG ``news_ingest`` maps one task onto each (process is mapped over the batches); the CLI runs
them in a loop (:mod:`news_etl.runner`). Stages hand each other frozen dataclasses, passed through XCom in
their ``to_xcom()`` form, and files in the run's staging (:mod:`news_etl.staging`). Every stage can be
re-run for the same ``run_id`` and ends in the same state.
"""
