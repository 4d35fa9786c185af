trigger PatientTrigger on Patient__c (after insert, after update) {
    List<Id> changed = new List<Id>();
    for (Patient__c patient : Trigger.new) {
        Patient__c before = Trigger.isUpdate ? Trigger.oldMap.get(patient.Id) : null;
        if (before == null || before.Status__c != patient.Status__c) {
            changed.add(patient.Id);
        }
    }
    ClinicLog.info(changed.size() + ' patients changed state: ' + changed);
    System.debug('Patient trigger records: ' + Trigger.new); // expect: apex/phi-in-log
}
