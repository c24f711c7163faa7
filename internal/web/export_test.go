package web

// For the browser tests (package web_test): the fleet they load.
var (
	PlantFleet = plantFleet
	FleetNow   = fleetNow
)
