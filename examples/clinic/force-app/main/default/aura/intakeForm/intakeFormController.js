({
    doInit: function (component) {
        component.set('v.saved', false);
    },

    save: function (component, event, helper) {
        var status = component.get('v.patient.Status__c');
        // Status only: the rest of the form is PHI.
        console.log('saving intake, status ' + status);
        helper.save(component);
    }
});
