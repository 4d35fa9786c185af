({
    save: function (component) {
        var action = component.get('c.saveIntake');
        action.setParams({ patient: component.get('v.patient') });
        action.setCallback(this, function (response) {
            if (response.getState() === 'SUCCESS') {
                component.set('v.saved', true);
            } else {
                console.error(response.getError());
            }
        });
        $A.enqueueAction(action);
    }
});
